package provider

// The seed's "routing by identity" end to end, with Switchyard resources
// only: a userlist authenticates, http_auth_group turns valid credentials
// into the user's name, and a map picks each user's backend. Moving a user
// to another backend is a map change, which reaches HAProxy at runtime,
// without a reload.

import (
	"fmt"
	"testing"

	"github.com/GehirnInc/crypt/sha512_crypt"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

func TestAccDeluxe_routingByUser(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("accdeluxe")
	deluxe, standard := name+"-deluxe", name+"-standard"
	list, fe := name+"-users", name+"-fe"
	file := labMapPath(name)
	const port = 8150
	// Unique per run, so that a wrong answer cannot come from another run.
	vipPass := acctest.RandomWithPrefix("vip-secret")
	johnPass := acctest.RandomWithPrefix("john-secret")
	johnHash, err := sha512_crypt.New().Generate([]byte(johnPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	mapAddr, feAddr := "switchyard_map.deluxe", "switchyard_frontend.web"
	// john "" has no entry in the map: the map's default, standard, applies.
	config := func(john string) string {
		entries := map[string]string{"vip": "switchyard_backend.deluxe.name"}
		if john != "" {
			entries["john"] = john
		}
		return providerBlock(m, "") +
			backendBlock("deluxe", deluxe, "", 8081) + backendBlock("standard", standard, "", 8080) +
			mapBlock("deluxe", name, entries) +
			fmt.Sprintf(`
resource "switchyard_userlist" "members" {
  name = %q
  users = [
    { name = "vip", password_wo = %q, password_wo_version = 1 },
    { name = "john", password_hash = %q },
  ]
}

resource "switchyard_frontend" "web" {
  name  = %q
  binds = [{ address = %q, port = %d }]
  http_request = [
    "auth realm switchyard unless { http_auth(${switchyard_userlist.members.name}) }",
  ]
  use_backend = [{
    backend = "%%[http_auth_group(${switchyard_userlist.members.name}),map(${switchyard_map.deluxe.path},${switchyard_backend.standard.name})]"
  }]
  default_backend = switchyard_backend.standard.name
}
`, list, vipPass, johnHash, fe, m.Address, port)
	}
	url := feFrontendURL(m, port, "/members")
	var workers []int
	// After a failure, HAProxy cannot reload while the frontend names a
	// missing map or backend: remove the frontend first.
	t.Cleanup(func() {
		removeMapFrontend(t, m, fe, file)
		removeBackendByHand(t, m, deluxe)
		removeBackendByHand(t, m, standard)
	})

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			feTestCheckFrontendGone(m, fe),
			testCheckMapFileGone(m, file),
			testCheckBackendsGone(m, deluxe, standard),
		),
		Steps: []resource.TestStep{
			{
				Config: config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					feTestCheckChallenge(url, "switchyard"),
					feTestCheckAnswers(url, "vip", "wrong", 401, 0, ""),
					feTestCheckAnswers(url, "john", vipPass, 401, 0, ""),
					feTestCheckAnswers(url, "vip", vipPass, 200, 8081, m.Name),
					feTestCheckAnswers(url, "john", johnPass, 200, 8080, m.Name),
					feTestCheckNoSecret(m, vipPass),
					testCheckMapFile(m, file, map[string]string{"vip": deluxe}),
				),
			},
			{
				// john moves to deluxe: a map change only, no reload.
				PreConfig: func() { recordWorkers(t, m, &workers) },
				Config:    config("switchyard_backend.deluxe.name"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(mapAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(feAddr, plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					feTestCheckAnswers(url, "john", johnPass, 200, 8081, m.Name),
					feTestCheckAnswers(url, "vip", vipPass, 200, 8081, m.Name),
					testCheckMapFile(m, file, map[string]string{"vip": deluxe, "john": deluxe}),
					testCheckNoReload(m, &workers),
				),
			},
			{
				// A hand change at runtime is drift...
				PreConfig: func() {
					runtimeCommand(t, m, fmt.Sprintf("set map %s john %s", file, standard))
				},
				Config:             config("switchyard_backend.deluxe.name"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// ...which an apply repairs, again without a reload.
				PreConfig: func() {
					if err := feTestCheckAnswers(url, "john", johnPass, 200, 8080, m.Name)(nil); err != nil {
						t.Fatalf("the runtime change did not take effect: %v", err)
					}
					recordWorkers(t, m, &workers)
				},
				Config: config("switchyard_backend.deluxe.name"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(mapAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					feTestCheckAnswers(url, "john", johnPass, 200, 8081, m.Name),
					testCheckNoReload(m, &workers),
				),
			},
		},
	})
}
