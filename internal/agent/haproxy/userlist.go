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
// stores a hash made from a write-only password. The plaintext of an
// `insecure-password` line is never returned (see readUserlist).
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
// would change the file, and reload HAProxy, on every update); a user sent
// as InsecurePassword keeps its `insecure-password` line.
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
		kept := map[string]*models.User{}
		for _, x := range users {
			kept[x.Username] = x
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

// createUserlistChildren writes u's groups and users; kept holds the users
// the file had before an update (nil on create).
func createUserlistChildren(cl configuration.Configuration, u api.Userlist, kept map[string]*models.User, tx string) error {
	for _, g := range u.Groups {
		if err := cl.CreateGroup(u.Name, &models.Group{Name: g}, tx, 0); err != nil {
			return err
		}
	}
	for _, x := range u.Users {
		password, secure, err := userPassword(u.Name, x, kept[x.Name])
		if err != nil {
			return err
		}
		user := &models.User{Username: x.Name, Password: password, SecurePassword: &secure, Groups: strings.Join(x.Groups, ",")}
		if err := cl.CreateUser(u.Name, user, tx, 0); err != nil {
			return err
		}
	}
	return nil
}

// userPassword is what the `user` line of x gets: its new hash, or the
// password the file has (old, nil for a new user) when x keeps it. A kept
// `insecure-password` is written back as it was only when x asks for exactly
// that: it is never turned into a `password` line (it is no hash), and a
// user whose line is not insecure is never made so. No error message holds
// a password: they end up in logs.
func userPassword(list string, x api.User, old *models.User) (password string, secure bool, err error) {
	lbl := label("userlist", list)
	if x.PasswordHash != "" {
		return x.PasswordHash, true, nil
	}
	oldInsecure := old != nil && isInsecure(old)
	switch {
	case x.InsecurePassword && !oldInsecure:
		return "", false, api.Errorf(api.CodeInvalid, "%s: user %q has no insecure-password line on the machine to keep: "+
			"Switchyard never writes a plaintext password; set password_wo or password_hash instead", lbl, x.Name)
	case x.InsecurePassword:
		return old.Password, false, nil
	case old == nil || old.Password == "":
		return "", false, api.Errorf(api.CodeInvalid, "%s: user %q is new and needs a password", lbl, x.Name)
	case oldInsecure:
		return "", false, api.Errorf(api.CodeInvalid, "%s: user %q has an insecure-password line on the machine, which cannot be kept as a hash: "+
			"set password_wo (with a new password_wo_version) or password_hash to replace it", lbl, x.Name)
	}
	return old.Password, true, nil
}

// isInsecure reports an `insecure-password` line, which client-native reads
// as SecurePassword false.
func isInsecure(u *models.User) bool {
	return u.SecurePassword != nil && !*u.SecurePassword
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
		if isInsecure(x) {
			// The plaintext stays in the file: every answer (get,
			// snapshot, the replies to create and update) is built here,
			// so none carries it; the provider only learns that the line
			// is insecure.
			u.PasswordHash, u.InsecurePassword = "", true
		}
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
		if x.InsecurePassword && !keep {
			// On create there is no line to keep; with a hash, the request
			// says two things at once.
			return api.Errorf(api.CodeInvalid, "%s: user %q: an insecure password can only be kept on a user that has one on the machine, "+
				"never set with a hash nor created: Switchyard never writes a plaintext password", lbl, x.Name)
		}
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
