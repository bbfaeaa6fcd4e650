// Package faults is the fault suite: acceptance tests that break an apply on
// the lab's real machines (terraform killed, the SSH connection cut, the
// agent killed between commit and reload, HAProxy refusing a change or
// failing to reload, two runs at once, a reboot) and prove what Switchyard
// promises: requests to what was applied before keep being answered,
// nothing applied is lost, and the next `terraform apply` and
// `terraform plan -detailed-exitcode` converge with no manual step.
//
// Each test prints one line,
//
//	fault <name>: requests sent N failed F, objects lost L, manual steps M
//
// and fails unless F, L and M are 0. When a kill tore Terraform's own
// local state file (Terraform rewrites it in place), the test restores
// terraform.tfstate.backup, as a user would, and the line says so.
//
// The tests need TF_ACC=1 and the lab (make lab-up); they run one at a
// time, never in parallel, since several of them disturb a whole machine.
package faults
