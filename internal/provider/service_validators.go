package provider

import (
	"fmt"
	"regexp"
	"strings"
)

// Validators of switchyard_service's resource controls: systemd accepts
// these forms (and a few more exotic ones the provider does not need), so a
// typo fails at `terraform validate`, not as a unit that will not load.

var cpuQuotaRe = regexp.MustCompile(`^[1-9][0-9]{0,5}%$`)

func cpuQuotaValidator() stringCheck {
	return stringCheck{
		description: `a percentage of one CPU such as "50%" or "150%"`,
		check: func(s string) error {
			if !cpuQuotaRe.MatchString(s) {
				return fmt.Errorf("%q is not a CPU quota: use a percentage of one CPU such as \"50%%\" or \"150%%\"", s)
			}
			return nil
		},
	}
}

var memoryMaxRe = regexp.MustCompile(`^([1-9][0-9]*[KMGT]?|infinity)$`)

func memoryMaxValidator() stringCheck {
	return stringCheck{
		description: `a size in bytes with an optional K, M, G or T suffix, such as "512M", or "infinity"`,
		check: func(s string) error {
			if !memoryMaxRe.MatchString(s) {
				return fmt.Errorf("%q is not a memory size: use bytes with an optional K, M, G or T suffix, such as \"512M\", or \"infinity\"", s)
			}
			return nil
		},
	}
}

// environmentNameValidator checks an environment variable's name.
var envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// restartPolicies are systemd's Restart= values.
var restartPolicies = []string{"no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always"}

// checkExecStart rejects command lines systemd would read differently from
// the list: a lone ";" separates commands, and a leading "-", "@", "+", "!"
// or ":" on the program is a systemd prefix.
func checkExecStart(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("exec_start needs at least the program to run")
	}
	if args[0] == "" || strings.ContainsAny(args[0][:1], "-@+!:") {
		return fmt.Errorf("exec_start: the program %q must be a path or a command name, not empty or starting with one of systemd's prefixes (-@+!:)", args[0])
	}
	for _, a := range args {
		if a == ";" {
			return fmt.Errorf(`exec_start: an argument ";" cannot be passed: systemd reads it as a command separator`)
		}
	}
	return nil
}
