/** Throttling of failed admin authentications, counted for the whole deployment. */
export {
  ADMIN_AUTH_GUARD,
  AdminAuthGuard,
  type FailureRecord,
  type GuardVerdict,
} from "./guard";
