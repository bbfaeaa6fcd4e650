package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// methodConstants reads every Method* constant of this package from its
// source, so that a method added to any file is found without being listed
// anywhere else.
func methodConstants(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	paths, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Method") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s is not a string literal; the test cannot read it", name.Name)
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out[name.Name] = v
				}
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("found only %d method constants: the parse is broken", len(out))
	}
	return out
}

// TestEveryMethodHasOneReadWriteDecision: a new method without an entry in
// methodTable (or with two) fails here, so no method is cached as a read
// by accident or left out of the table.
func TestEveryMethodHasOneReadWriteDecision(t *testing.T) {
	consts := methodConstants(t)
	count := map[string]int{}
	for _, e := range methodTable {
		count[e.method]++
	}
	for name, value := range consts {
		if n := count[value]; n != 1 {
			t.Errorf("%s (%q) is in methodTable %d times, want exactly once", name, value, n)
		}
	}
	known := map[string]bool{}
	for _, v := range consts {
		known[v] = true
	}
	for m := range count {
		if !known[m] {
			t.Errorf("methodTable lists %q, which is no Method constant", m)
		}
	}
}

func TestIsRead(t *testing.T) {
	for method, want := range map[string]bool{
		MethodHostInfo: true, MethodSnapshot: true, MethodBackendList: true, MethodMapEntryGet: true,
		MethodNamespaceGet: true, MethodInstanceGet: true,
		MethodConfigure: false, MethodMapEntrySet: false, MethodNamespaceEnsure: false, MethodInstanceApply: false,
		"haproxy.unknown.get": false, // not in the table: treated as a write
	} {
		if got := IsRead(method); got != want {
			t.Errorf("IsRead(%q) = %v, want %v", method, got, want)
		}
	}
}
