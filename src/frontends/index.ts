// frontends: the ways into wsc. Cluster files (the cluster a user emulates), Model Zoo params files (the model
// and the run), and the YAML validation both share (every problem at once, with key path, line and limit).
export {
  ClusterTooSmallError,
  clusterFileSchema,
  clusterFromFile,
  loadCluster,
  clusterSystemsFor,
  loadJobCluster,
  parseClusterFile,
} from "./cluster-file.js";
export type { ClusterFile, ClusterOverrides } from "./cluster-file.js";
export * from "./params/index.js";
export { formatPath, formatValue, lineOf, loadYamlConfig, parseYaml, validateConfig } from "./yaml-config.js";
