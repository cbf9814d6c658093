/**
 * The admin actions the page can take, as plain `fetch` calls with the token in the
 * `Authorization` header. Every answer comes back as `{ ok, status, body }`; a problem's
 * `detail` is what the page shows.
 */

/**
 * @typedef {{ ok: boolean, status: number, body: any }} Answer
 */

export class AdminApi {
  /** @type {string} */
  #token;

  /** @param {string} token */
  constructor(token) {
    this.#token = token;
  }

  /**
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<Answer>}
   */
  async post(path, body) {
    /** @type {Record<string, string>} */
    const headers = { authorization: `Bearer ${this.#token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      const response = await fetch(path, {
        method: "POST",
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { ok: response.ok, status: response.status, body: text ? JSON.parse(text) : null };
    } catch (error) {
      return { ok: false, status: 0, body: { detail: String(error) } };
    }
  }

  /** @param {string} service */
  restartService(service) {
    return this.post(`/v1/ops/supervision/${encodeURIComponent(service)}/restart`);
  }

  /**
   * @param {string} id
   * @param {string} note
   */
  acknowledgeAlarm(id, note) {
    return this.post(`/v1/ops/alarms/${encodeURIComponent(id)}/ack`, note ? { note } : undefined);
  }

  /** @param {string} id */
  clearAlarm(id) {
    return this.post(`/v1/ops/alarms/${encodeURIComponent(id)}/clear`);
  }
}

/**
 * One line saying what went wrong with an answer.
 * @param {Answer} answer
 */
export function describeFailure(answer) {
  const detail = answer.body && typeof answer.body.detail === "string" ? answer.body.detail : "";
  return answer.status === 0 ? `network error: ${detail}` : `${answer.status} ${detail}`.trim();
}
