/**
 * The admin token lives in this tab's `sessionStorage` only: gone when the tab closes, never
 * in a URL (where history, logs and referrers would keep it) and never logged.
 */
const KEY = "bulwark.admin-token";

/** @returns {string | null} */
export const readToken = () => sessionStorage.getItem(KEY);

/** @param {string} token */
export const saveToken = (token) => sessionStorage.setItem(KEY, token);

export const forgetToken = () => sessionStorage.removeItem(KEY);
