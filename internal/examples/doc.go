// Package examples holds the acceptance tests of the example topologies in
// the repository's examples/ tree (examples/topologies/*, built from the
// reusable modules in examples/modules/*). Each test runs the real terraform
// CLI on a copy of the tree (internal/tfrun) against the lab machines
// (internal/lab), then proves with real HTTP requests what the topology's
// README says: round robin, routing into namespaces, path routes, layered
// proxies, basic auth and routing by user without a reload. The tests run
// only with TF_ACC=1, like the provider's acceptance tests.
package examples
