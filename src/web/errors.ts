// Errors of the dashboard server. Each names the value, the limit and the fix; `wsc serve` prints the message
// without a stack trace.
import { WscError } from "../util/errors.js";

/** The port is taken by another program (or another `wsc serve`). */
export class PortInUseError extends WscError {
  readonly port: number;
  readonly host: string;
  constructor(port: number, host: string, holder: string | null) {
    super(
      `port ${port} on ${host} is in use${holder ? ` (${holder})` : " by another program"}: ` +
        `choose another with --port N, or --port 0 for any free port`,
    );
    this.port = port;
    this.host = host;
  }
}

/** The server cannot listen where asked: a privileged port, an address this machine does not have, ... */
export class ListenError extends WscError {
  constructor(port: number, host: string, code: string) {
    const why: Record<string, string> = {
      EACCES: `port ${port} needs privileges on ${host}: use a port of 1024 or above (--port 8080)`,
      EADDRNOTAVAIL: `${host} is not an address of this machine: use --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface)`,
      ENOTFOUND: `the host name ${host} does not resolve: use --host 127.0.0.1 or --host 0.0.0.0`,
    };
    super(why[code] ?? `cannot listen on ${host}:${port} (${code}): try another --host or --port`);
  }
}

/** The page scripts are not built (a source checkout without `npm run build`). */
export class ClientMissingError extends WscError {
  constructor(tried: readonly string[]) {
    super(
      `the dashboard's page scripts are not built (looked in ${tried.join(", ")}): run \`npm run build\``,
      1,
    );
  }
}
