// `wsc serve`: the dashboard of the job store every `wsc` process shares ($WSC_HOME/jobs.db). The server
// itself is web/, the layer above this one: it is loaded on use, as `run CSX` loads the appliance, so the
// command line reaches up to it only here (its entry point) and every other command starts without it.
import type { Command } from "commander";
import { intOption } from "../options.js";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description(
      "serve the dashboard: jobs, each job's loss and rate curves and compile report, the cluster, live " +
        "(wsc ctl get jobs then links each job's page)",
    )
    .option("--port <n>", "TCP port (0 = any free port)", intOption(0, 65535), 8080)
    .option("--host <address>", "address to listen on (0.0.0.0 = every interface)", "127.0.0.1")
    .option(
      "--max_streams <n>",
      "live streams (open dashboard pages) served at once; one more is answered 503, retry in 5 s",
      intOption(1, 100_000),
      256,
    )
    .action(async (o: { port: number; host: string; max_streams: number }) => {
      const { DashboardServer } = await import("../../web/index.js");
      const s = await DashboardServer.start({ port: o.port, host: o.host, maxStreams: o.max_streams });
      process.stdout.write(
        `Dashboard of ${s.m.store.file} at ${s.url}/ (jobs), ${s.url}/cluster\n` +
          `Recorded in ${s.m.home.dir}/dashboard.json for 'wsc ctl get jobs'. Ctrl-C stops it.\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.stdout.write("Stopping the dashboard.\n");
          void s.close().then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
