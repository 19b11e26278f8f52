# Two entry points for a fresh machine: `make demo` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-slow lint docs docs-screenshots bench mutants mutants-use-cases clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip

# Each install compiles the package, as `pip install .` does: an editable checkout on a machine
# with PYTHONDONTWRITEBYTECODE would otherwise compile every module it imports in every command.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -qq -e .
	$(BIN)/python -m compileall -q ci_workflow
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -qq -e '.[test]'
	$(BIN)/python -m compileall -q ci_workflow
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/python examples/demo.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Test files are spread over TEST_WORKERS processes (pytest-xdist), each file on one worker and
# each worker with its own Prefect server where its files need one; TEST_WORKERS=0 runs them in
# this process, one after another. `make test` is the suite a developer runs often; the tests
# marked slow (end to end through a real Prefect server and its flows, or a real browser) are
# `make test-slow`, which .ci/run runs after it.
TEST_WORKERS ?= 3

test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow"

test-slow: $(VENV)/.installed-test
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -m slow

# The documentation site into site/ (its reference pages generated from the code); strict: a
# warning, a broken link or anchor among them, fails. NO_MKDOCS_2_WARNING quiets Material's banner.
docs: $(VENV)/.installed-test
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# The workspace screenshots in docs/img/, retaken by following the tutorial in Chromium.
docs-screenshots: $(VENV)/.installed-test
	UPDATE_DOCS_SCREENSHOTS=1 $(BIN)/pytest tests/docs/test_tutorial.py -q

bench: $(VENV)/.installed-test
	$(BIN)/pip install -qq -e '.[test,bench]'
	$(BIN)/python bench/cli_startup.py
	$(BIN)/python bench/gate_latency.py
	$(BIN)/python bench/capture.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/opportunities.py
	$(BIN)/python bench/incident_scale.py

# Mutation testing (docs/mutation.md): mutmut mutates the modules below in a copy of the package
# under MUTANTS_DIR, never ci_workflow/ itself, and runs only the fast tests against each mutant.
# A module joins by being listed here (e.g. the use cases that guard decisions, once they live in
# ci_workflow/services/); the goal is 100 % on MUTANT_FULL and MUTANT_MIN % on the rest, counting
# the equivalent mutants listed in docs/mutation.md out. MUTANT_STRICT=1 fails below the goal.
MUTANT_MODULES ?= $(filter-out %/__init__.py,$(wildcard ci_workflow/domain/*.py ci_workflow/domain/*/*.py))
MUTANT_TESTS ?= tests/domain
MUTANT_FULL ?= domain.authority.signing domain.authority.permissions domain.stages.gates
MUTANT_MIN ?= 90
MUTANT_STRICT ?= 0
MUTANTS_DIR ?= $(or $(TMPDIR),/tmp)/ci-workflow-mutants
# The working tree by default; a commit (MUTANT_FROM=HEAD) while others edit it.
MUTANT_FROM ?=
MUTANT_CHILDREN ?= $(shell nproc 2>/dev/null || echo 2)
# The use cases that guard decisions (docs/mutation.md, "The use cases that guard decisions"),
# with their fast tests (SQLite, no servers): `make mutants-use-cases`. Held to 100 %:
# MUTANT_USE_CASES_FULL; the rest (withdraw, the apply plan's permission checks) to MUTANT_MIN.
MUTANT_USE_CASES ?= $(addprefix ci_workflow/services/,lifecycle/gate_decisions.py \
  lifecycle/decide.py lifecycle/withdraw.py register/_apply_plan.py)
MUTANT_USE_CASE_TESTS ?= tests/domain tests/services/lifecycle tests/services/register
MUTANT_USE_CASES_FULL ?= services.lifecycle.gate_decisions services.lifecycle.decide
# Files beside the package that the tests need (resources.py finds them at the checkout's top):
# the use cases' tests initialise a register (migrations/) and may render (templates/).
MUTANT_RESOURCES ?= migrations templates
# Per module: killed (a timeout counts as killed) of those tried, equivalents apart; then each
# survivor, to be killed by a test or listed in docs/mutation.md with why it is equivalent.
define MUTANT_SCORE
BEGIN { n = split(equivalent, e, " "); for (i = 1; i <= n; i++) eq[e[i]] = 1;
        n = split(full, f, " "); for (i = 1; i <= n; i++) goal[f[i]] = 100 }
NF == 2 {
  name = $$1; gsub(/^ +/, "", name); status = $$2
  module = name; sub(/\.x(_|ǁ).*$$/, "", module); sub(/^ci_workflow\./, "", module)
  if (!(module in tried)) { order[++modules] = module; tried[module] = 0 }
  if (name in eq) { eqs[module]++; if (status == "killed") stale = stale " " name; next }
  if (status == "skipped" || status == "not checked") next
  tried[module]++
  if (status == "killed" || status == "timeout" || status == "segfault" || status ~ /type check/)
    killed[module]++
  else
    left = left sprintf("  %s: %s\n", name, status)
}
END {
  if (left) printf "not killed (see: cd $(MUTANTS_DIR) && mutmut show NAME):\n%s", left
  for (i = 1; i <= modules; i++) {
    m = order[i]; score = tried[m] ? 100 * killed[m] / tried[m] : 100
    want = (m in goal) ? 100 : min; if (score < want) below++
    printf "%-36s %5d of %5d killed  %5.1f %%  %3d equivalent  %s\n", m, killed[m], tried[m], \
      score, eqs[m] + 0, score < want ? "BELOW " want " %" : "ok"
  }
  if (stale) print "killed now, so not equivalent (take out of docs/mutation.md):" stale
  exit (strict && below) ? 1 : 0
}
endef
export MUTANT_SCORE

$(VENV)/.installed-mutants: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -qq -e '.[test,mutants]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-test

mutants: $(VENV)/.installed-mutants
	@test -n "$(strip $(MUTANT_MODULES))" || { echo "mutants: no module to mutate"; exit 0; }; \
	set -e; rm -rf $(MUTANTS_DIR); mkdir -p $(MUTANTS_DIR); \
	if [ -n "$(MUTANT_FROM)" ]; then \
	  git archive $(MUTANT_FROM) ci_workflow tests pyproject.toml $(MUTANT_RESOURCES) \
	    | tar -x -C $(MUTANTS_DIR); \
	else cp -r ci_workflow tests pyproject.toml $(MUTANT_RESOURCES) $(MUTANTS_DIR)/; fi; \
	find $(MUTANTS_DIR) -name __pycache__ -prune -exec rm -rf {} +; \
	{ printf '[mutmut]\nsource_paths = ci_workflow\n'; \
	  $(if $(strip $(MUTANT_RESOURCES)),printf 'also_copy =\n'; printf '    %s\n' $(MUTANT_RESOURCES);) \
	  printf 'only_mutate =\n'; \
	  printf '    %s\n' $(MUTANT_MODULES); \
	  printf 'pytest_add_cli_args_test_selection =\n'; printf '    %s\n' $(MUTANT_TESTS); \
	} > $(MUTANTS_DIR)/setup.cfg; \
	equivalent="$$(sed -n 's/^- `\(ci_workflow[^`]*__mutmut_[0-9]*\)`.*/\1/p' docs/mutation.md)"; \
	cd $(MUTANTS_DIR); \
	echo "mutmut: $(words $(MUTANT_MODULES)) module(s), tests $(MUTANT_TESTS), in $(MUTANTS_DIR)"; \
	$(CURDIR)/$(BIN)/mutmut run --max-children $(MUTANT_CHILDREN) > run.log 2>&1 \
	  || { tr '\r' '\n' < run.log | tail -n 30; exit 1; }; \
	$(CURDIR)/$(BIN)/mutmut results --all true > results.txt; \
	awk -F': ' -v equivalent="$$equivalent" -v full="$(MUTANT_FULL)" -v min=$(MUTANT_MIN) \
	  -v strict=$(MUTANT_STRICT) "$$MUTANT_SCORE" results.txt

mutants-use-cases:
	$(MAKE) mutants MUTANT_MODULES="$(MUTANT_USE_CASES)" MUTANT_TESTS="$(MUTANT_USE_CASE_TESTS)" \
	  MUTANT_FULL="$(MUTANT_USE_CASES_FULL)"

clean:
	rm -rf $(VENV) .demo dist build .pytest_cache .mypy_cache .ruff_cache site
