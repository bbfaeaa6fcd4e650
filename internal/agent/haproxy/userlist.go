package haproxy

import (
	"strings"

	"github.com/haproxytech/client-native/v5/configuration"
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// GetUserlist reads a userlist as it is in the file on disk now. Hashes are
// returned because the provider compares those it was given; it never
// stores a hash made from a write-only password.
func (m *Manager) GetUserlist(name string) (api.Userlist, error) {
	lbl := label("userlist", name)
	if err := grammar.ProxyName(name); err != nil {
		return api.Userlist{}, api.Errorf(api.CodeInvalid, "%s: userlist name: %v", lbl, err)
	}
	var out api.Userlist
	err := m.cfg.read(func(cl configuration.Configuration) error {
		var err error
		out, err = readUserlist(cl, name, "")
		return err
	})
	return out, apiError(lbl, err)
}

// CreateUserlist adds a userlist with its groups and users.
func (m *Manager) CreateUserlist(u api.Userlist) (api.Userlist, error) {
	if err := checkUserlist(u, false); err != nil {
		return api.Userlist{}, err
	}
	err := m.submit(func(cl configuration.Configuration, tx string) error {
		if err := cl.CreateUserList(&models.Userlist{Name: u.Name}, tx, 0); err != nil {
			return err
		}
		return createUserlistChildren(cl, u, nil, tx)
	})
	if err != nil {
		return api.Userlist{}, apiError(label("userlist", u.Name), err)
	}
	return m.GetUserlist(u.Name)
}

// UpdateUserlist makes the groups and users exactly those of u. A user
// without a hash keeps the one the file has (the provider does not know
// hashes it made from write-only passwords, and re-hashing with a new salt
// would change the file, and reload HAProxy, on every update).
func (m *Manager) UpdateUserlist(u api.Userlist) (api.Userlist, error) {
	if err := checkUserlist(u, true); err != nil {
		return api.Userlist{}, err
	}
	err := m.submit(func(cl configuration.Configuration, tx string) error {
		if _, _, err := cl.GetUserList(u.Name, tx); err != nil {
			return err
		}
		_, users, err := cl.GetUsers(u.Name, tx)
		if err != nil {
			return err
		}
		kept := map[string]string{}
		for _, x := range users {
			kept[x.Username] = x.Password
			if err := cl.DeleteUser(x.Username, u.Name, tx, 0); err != nil {
				return err
			}
		}
		_, groups, err := cl.GetGroups(u.Name, tx)
		if err != nil {
			return err
		}
		for _, g := range groups {
			if err := cl.DeleteGroup(g.Name, u.Name, tx, 0); err != nil {
				return err
			}
		}
		return createUserlistChildren(cl, u, kept, tx)
	})
	if err != nil {
		return api.Userlist{}, apiError(label("userlist", u.Name), err)
	}
	return m.GetUserlist(u.Name)
}

// DeleteUserlist removes a userlist.
func (m *Manager) DeleteUserlist(name string) error {
	lbl := label("userlist", name)
	if err := grammar.ProxyName(name); err != nil {
		return api.Errorf(api.CodeInvalid, "%s: userlist name: %v", lbl, err)
	}
	return apiError(lbl, m.submit(func(cl configuration.Configuration, tx string) error {
		return cl.DeleteUserList(name, tx, 0)
	}))
}

func createUserlistChildren(cl configuration.Configuration, u api.Userlist, kept map[string]string, tx string) error {
	for _, g := range u.Groups {
		if err := cl.CreateGroup(u.Name, &models.Group{Name: g}, tx, 0); err != nil {
			return err
		}
	}
	secure := true
	for _, x := range u.Users {
		hash := x.PasswordHash
		if hash == "" {
			hash = kept[x.Name]
		}
		if hash == "" {
			return api.Errorf(api.CodeInvalid, "%s: user %q is new and needs a password", label("userlist", u.Name), x.Name)
		}
		user := &models.User{Username: x.Name, Password: hash, SecurePassword: &secure, Groups: strings.Join(x.Groups, ",")}
		if err := cl.CreateUser(u.Name, user, tx, 0); err != nil {
			return err
		}
	}
	return nil
}

func readUserlist(cl configuration.Configuration, name, tx string) (api.Userlist, error) {
	if _, _, err := cl.GetUserList(name, tx); err != nil {
		return api.Userlist{}, err
	}
	out := api.Userlist{Name: name, Groups: []string{}, Users: []api.User{}}
	_, groups, err := cl.GetGroups(name, tx)
	if err != nil {
		return api.Userlist{}, err
	}
	for _, g := range groups {
		out.Groups = append(out.Groups, g.Name)
	}
	_, users, err := cl.GetUsers(name, tx)
	if err != nil {
		return api.Userlist{}, err
	}
	for _, x := range users {
		u := api.User{Name: x.Username, PasswordHash: x.Password, Groups: []string{}}
		if x.Groups != "" {
			u.Groups = strings.Split(x.Groups, ",")
		}
		out.Users = append(out.Users, u)
	}
	return out, nil
}

// checkUserlist refuses values that could not be written as one clean
// token each, and insecure (plaintext) passwords: only crypt hashes, which
// start with '$', are written to the file.
func checkUserlist(u api.Userlist, mayKeep bool) error {
	lbl := label("userlist", u.Name)
	if err := grammar.ProxyName(u.Name); err != nil {
		return api.Errorf(api.CodeInvalid, "%s: userlist name: %v", lbl, err)
	}
	groups := map[string]bool{}
	for _, g := range u.Groups {
		if grammar.ProxyName(g) != nil || groups[g] {
			return api.Errorf(api.CodeInvalid, "%s: group %q is not a valid, unique name", lbl, g)
		}
		groups[g] = true
	}
	users := map[string]bool{}
	for _, x := range u.Users {
		if grammar.ProxyName(x.Name) != nil || users[x.Name] {
			return api.Errorf(api.CodeInvalid, "%s: user %q is not a valid, unique name", lbl, x.Name)
		}
		users[x.Name] = true
		// The hash is not echoed: error messages end up in logs.
		// An empty hash on update keeps the file's (checked when applied).
		keep := mayKeep && x.PasswordHash == ""
		if !keep && (!strings.HasPrefix(x.PasswordHash, "$") || !oneToken(x.PasswordHash)) {
			return api.Errorf(api.CodeInvalid, "%s: user %q: the password must be a crypt(3) hash such as $6$…", lbl, x.Name)
		}
		for _, g := range x.Groups {
			if !groups[g] {
				return api.Errorf(api.CodeInvalid, "%s: user %q: group %q is not declared in the userlist", lbl, x.Name, g)
			}
		}
	}
	return nil
}
