// The page script: draws the page the server's shell names (body data-page) from the live streams.
import { clusterPage } from "./cluster-page.js";
import { jobPage } from "./job-page.js";
import { jobsPage } from "./jobs-page.js";

const main = document.getElementById("main")!;
const page = document.body.dataset.page;
if (page === "job") jobPage(main, document.body.dataset.job!);
else if (page === "cluster") clusterPage(main);
else jobsPage(main);
