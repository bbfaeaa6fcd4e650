package haproxy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// Circuit breaking and retries: a backend's retries, retry-on, option
// redispatch and timeouts, and its servers' observe, error-limit, on-error,
// rise and fall. Every one is optional: nil (or "") is not managed, and the
// file keeps what it has, so a value inherited from defaults stays
// inherited. None is runtime-settable: a change reloads (keepFileState
// masks only weight and state, so the masked transaction shows it).

// applyResilience writes src's managed resilience keywords into dst.
func applyResilience(dst *models.Backend, src api.Backend) {
	if src.Retries != nil {
		dst.Retries = copyInt(src.Retries)
	}
	if src.RetryOn != nil {
		dst.RetryOn = strings.Join(*src.RetryOn, " ")
	}
	if src.Redispatch != nil {
		on := models.RedispatchEnabledEnabled
		if !*src.Redispatch {
			on = models.RedispatchEnabledDisabled
		}
		// An interval set by hand stays with the option.
		var interval *int64
		if dst.Redispatch != nil {
			interval = dst.Redispatch.Interval
		}
		dst.Redispatch = &models.Redispatch{Enabled: &on, Interval: interval}
	}
	if src.TimeoutServer != nil {
		dst.ServerTimeout = copyInt(src.TimeoutServer)
	}
	if src.TimeoutConnect != nil {
		dst.ConnectTimeout = copyInt(src.TimeoutConnect)
	}
	if src.TimeoutQueue != nil {
		dst.QueueTimeout = copyInt(src.TimeoutQueue)
	}
}

// resilienceFromModel reads b's resilience keywords into out; a keyword
// the section lacks stays nil.
func resilienceFromModel(out *api.Backend, b *models.Backend) {
	out.Retries = copyInt(b.Retries)
	if words := strings.Fields(b.RetryOn); len(words) > 0 {
		out.RetryOn = &words
	}
	if r := b.Redispatch; r != nil && r.Enabled != nil {
		on := *r.Enabled == models.RedispatchEnabledEnabled
		out.Redispatch = &on
	}
	out.TimeoutServer = copyInt(b.ServerTimeout)
	out.TimeoutConnect = copyInt(b.ConnectTimeout)
	out.TimeoutQueue = copyInt(b.QueueTimeout)
}

// serverResilienceToModel writes src's managed circuit-breaking keywords
// onto m, which carries the existing line's values for the others.
func serverResilienceToModel(m *models.Server, src api.Server) {
	if src.Observe != "" {
		m.Observe = src.Observe
	}
	if src.ErrorLimit != nil {
		// client-native has no "unset" for error-limit but 0; the
		// provider and checkResilience never send 0.
		m.ErrorLimit = *src.ErrorLimit
	}
	if src.OnError != "" {
		m.OnError = src.OnError
	}
	if src.Rise != nil {
		m.Rise = copyInt(src.Rise)
	}
	if src.Fall != nil {
		m.Fall = copyInt(src.Fall)
	}
}

func serverResilienceFromModel(out *api.Server, s *models.Server) {
	out.Observe = s.Observe
	if s.ErrorLimit != 0 {
		v := s.ErrorLimit
		out.ErrorLimit = &v
	}
	out.OnError = s.OnError
	out.Rise = copyInt(s.Rise)
	out.Fall = copyInt(s.Fall)
}

// checkResilience refuses what the provider's plan validation refuses, so
// a request from elsewhere gets the same answer before anything is queued.
func checkResilience(b api.Backend) error {
	lbl := label("backend", b.Name)
	if b.Retries != nil && *b.Retries < 0 {
		return api.Errorf(api.CodeInvalid, "%s: retries must be 0 or more", lbl)
	}
	if b.RetryOn != nil {
		if err := api.CheckRetryOn(*b.RetryOn); err != nil {
			return api.Errorf(api.CodeInvalid, "%s: %v", lbl, err)
		}
	}
	for field, v := range map[string]*int64{"timeout_server": b.TimeoutServer, "timeout_connect": b.TimeoutConnect, "timeout_queue": b.TimeoutQueue} {
		if v != nil && *v < 1 {
			return api.Errorf(api.CodeInvalid, "%s: %s must be at least 1 ms", lbl, field)
		}
	}
	for _, s := range b.Servers {
		if s.Observe != "" && !slices.Contains(api.ServerObserveModes, s.Observe) {
			return api.Errorf(api.CodeInvalid, "%s: server %q: observe %q must be one of %v", lbl, s.Name, s.Observe, api.ServerObserveModes)
		}
		if s.OnError != "" && !slices.Contains(api.ServerOnErrorActions, s.OnError) {
			return api.Errorf(api.CodeInvalid, "%s: server %q: on_error %q must be one of %v", lbl, s.Name, s.OnError, api.ServerOnErrorActions)
		}
		for field, v := range map[string]*int64{"error_limit": s.ErrorLimit, "rise": s.Rise, "fall": s.Fall} {
			if v != nil && *v < 1 {
				return api.Errorf(api.CodeInvalid, "%s: server %q: %s must be at least 1", lbl, s.Name, field)
			}
		}
	}
	return nil
}

// addResilienceKeywords are s's circuit-breaking keywords for `add server`,
// which takes all of them in 2.6, so a server added at runtime breaks like
// the line the file gets.
func addResilienceKeywords(s api.Server) []string {
	var kw []string
	if s.Observe != "" {
		kw = append(kw, "observe "+s.Observe)
	}
	if s.ErrorLimit != nil {
		kw = append(kw, fmt.Sprintf("error-limit %d", *s.ErrorLimit))
	}
	if s.OnError != "" {
		kw = append(kw, "on-error "+s.OnError)
	}
	if s.Rise != nil {
		kw = append(kw, fmt.Sprintf("rise %d", *s.Rise))
	}
	if s.Fall != nil {
		kw = append(kw, fmt.Sprintf("fall %d", *s.Fall))
	}
	return kw
}
