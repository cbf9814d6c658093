/**
 * What a supervisor tells its observers (`Supervisor.onEvent`; alarms and metrics hook in):
 *
 * - `restarted`: `child` exited with `reason` and was restarted (with its group, under
 *   `one_for_all`/`rest_for_one`).
 * - `restart-failed`: restarting `child` failed with `reason`; it is `restarting` and will be
 *   tried again (each try counts toward intensity).
 * - `gave-up`: more than `intensity` restarts within `periodMs`: the supervisor terminated
 *   its children and exited with reason `shutdown`; `offender` is the child that tipped it.
 * - `auto-shutdown`: a `significant` child (`child`) exited and `autoShutdown` says so: the
 *   supervisor terminated its children and exited with reason `shutdown`.
 * - `child-down`: `child` exited and is not restarted (a child supervisor, or an abnormal exit).
 * - `child-up`: a child that was down was started again (`restartChild`, `tick`).
 */
export type SupervisionEvent =
  | {
      readonly type: "restarted";
      readonly supervisor: string;
      readonly child: string;
      readonly reason: string;
    }
  | {
      readonly type: "restart-failed";
      readonly supervisor: string;
      readonly child: string;
      readonly reason: string;
    }
  | { readonly type: "gave-up"; readonly supervisor: string; readonly offender: string }
  | { readonly type: "auto-shutdown"; readonly supervisor: string; readonly child: string }
  | { readonly type: "child-down"; readonly supervisor: string; readonly child: string }
  | { readonly type: "child-up"; readonly supervisor: string; readonly child: string };

/** The reason a supervisor's view shows when it gave up, as OTP reports it. */
export const MAX_INTENSITY = "reached_max_restart_intensity";
