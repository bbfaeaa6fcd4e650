package haproxy

import (
	"errors"

	"github.com/haproxytech/client-native/v5/configuration"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// apiError turns an error from this package into the wire error, naming the
// object (label, e.g. `backend "web"`) in the message and keeping tool
// output in Detail.
func apiError(label string, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := api.AsError(err); ok {
		return e
	}
	var rej *rejectedError
	var rel *reloadFailure
	switch {
	case errors.As(err, &rej):
		return &api.Error{Code: api.CodeRejected, Message: label + ": HAProxy rejected the configuration", Detail: rej.detail}
	case errors.As(err, &rel):
		msg := label + ": the change validated but HAProxy did not reload; the previous configuration was restored"
		if rel.restore != nil {
			msg = label + ": the change validated but HAProxy did not reload, and restoring the previous configuration failed"
		}
		return &api.Error{Code: api.CodeReload, Message: msg, Detail: rel.Error()}
	case errors.Is(err, configuration.ErrObjectDoesNotExist), errors.Is(err, configuration.ErrParentDoesNotExist):
		return &api.Error{Code: api.CodeNotFound, Message: label + " does not exist", Detail: err.Error()}
	case errors.Is(err, configuration.ErrObjectAlreadyExists):
		return &api.Error{Code: api.CodeExists, Message: label + " already exists", Detail: err.Error()}
	case errors.Is(err, configuration.ErrValidationError):
		// client-native's model validation: a value HAProxy's grammar
		// does not allow (port out of range, unknown balance algorithm).
		return &api.Error{Code: api.CodeRejected, Message: label + ": invalid value", Detail: err.Error()}
	default:
		return &api.Error{Code: api.CodeInternal, Message: label + ": " + err.Error()}
	}
}
