/** Standard Webhooks, pure: secrets, signatures and the retry schedule of notifications. */
export {
  type AttemptOutcome,
  NOTIFY_RETRY_CAP_MS,
  notifyRetryDelayMs,
  outcomeOf,
  retryAfterMs,
} from "./retry";
export { type ParsedSecret, parseWebhookSecret, SECRET_PREFIX } from "./secret";
export { signature, type WebhookHeaders, webhookHeaders } from "./sign";
