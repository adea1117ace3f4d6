// Campaign sqlite-kill: the fs-kill campaign (fs-kill.mjs) on SqliteBackend,
// its writer processes sharing one database file.
import { killCampaign } from "./fs-kill.mjs";

export const run = (options) => killCampaign("sqlite", options);
