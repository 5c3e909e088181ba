"""playbooks/awx.yml (AWX as code): valid, and its job templates carry the settings the issue asks for.

No controller exists here, so the playbook is syntax-checked and its YAML inspected; the jobs themselves are
run as AWX runs them (ansible-runner) in test_awx_jobs.py.
"""

import re

import pytest
import yaml

from ansible_collections.tap.infra.plugins.filter.preflight import SUFFIX_RULE, preflight_problems
from tests.conftest import REPO_ROOT, VENV_BIN
from tests.integration.test_collection_quality import run

pytestmark = pytest.mark.integration

AWX = REPO_ROOT / "playbooks" / "awx.yml"
AWX_VARS = REPO_ROOT / "playbooks" / "vars" / "awx.yml"


def load(path):
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def play():
    plays = load(AWX)
    assert len(plays) == 1
    return plays[0]


@pytest.fixture(scope="module")
def settings():
    return load(AWX_VARS)


def tasks_of(play, module):
    return [task[module] for task in play["tasks"] if module in task]


def job_template(play, name):
    found = [args for args in tasks_of(play, "awx.awx.job_template") if args["name"] == name]
    assert len(found) == 1, name
    return found[0]


def resolve(play, item):
    """A survey question given as "{{ awx_suffix_question }}" -> the play var."""
    if isinstance(item, str) and item.startswith("{{"):
        return play["vars"][item.strip("{} ")]
    return item


def questions(play, template):
    return {question["variable"]: question for question in map(lambda q: resolve(play, q), template["survey_spec"]["spec"])}


def test_syntax_check():
    result = run(str(VENV_BIN / "ansible-playbook"), "--syntax-check", str(AWX))
    assert result.returncode == 0, result.stdout + result.stderr


def test_controller_and_secrets_are_never_in_the_playbook(play):
    text = AWX.read_text() + AWX_VARS.read_text()
    for word in ("controller_host", "controller_username", "controller_password", "controller_oauthtoken"):
        assert word not in text
    assert not tasks_of(play, "awx.awx.credential")
    for module in ("awx.awx.job_template",):
        for args in tasks_of(play, module):
            assert args["credentials"] == ["{{ tap_awx_aws_credential }}"]


def test_project_and_inventory_source_come_from_this_repository(play, settings):
    (project,) = tasks_of(play, "awx.awx.project")
    assert project["scm_type"] == "git" and project["scm_url"] == "{{ tap_awx_scm_url }}"
    assert project["scm_branch"] == "{{ tap_awx_scm_branch }}"
    (source,) = tasks_of(play, "awx.awx.inventory_source")
    assert source["source"] == "scm" and source["source_path"] == "{{ tap_awx_inventory_source_path }}"
    assert settings["tap_awx_inventory_source_path"] == "inventories/aws/hosts.yml"
    assert (REPO_ROOT / settings["tap_awx_inventory_source_path"]).is_file()
    assert settings["tap_awx_inventory_name"] == "tap-infra regions"
    assert settings["tap_awx_organization"] == "Default"


def test_suffix_question_states_preflights_rule_and_the_naming_limit(play, settings):
    question = play["vars"]["awx_suffix_question"]
    assert question["type"] == "text" and question["required"] is True and question["variable"] == "suffix"
    assert question["max"] == "{{ tap_awx_suffix_max_length | int }}"
    assert "{{ tap_awx_suffix_rule }}" in question["question_description"]
    assert settings["tap_awx_suffix_rule"] == SUFFIX_RULE.pattern


def test_suffix_max_length_is_the_longest_suffix_the_aws_inventory_accepts(settings):
    hosts = load(REPO_ROOT / "inventories" / "aws" / "hosts.yml")["all"]["children"]["tap_regions"]["hosts"]
    sites = [dict(host=name, **spec) for name, spec in hosts.items()]
    accepted = [n for n in range(1, 64) if not preflight_problems(sites, "a" * n)]
    assert max(accepted) == settings["tap_awx_suffix_max_length"]
    assert preflight_problems(sites, "a" * (settings["tap_awx_suffix_max_length"] + 1))


def test_deploy_template_prompts_job_type_so_check_is_the_plan(play):
    deploy = job_template(play, "tap-infra deploy")
    assert deploy["playbook"] == "site.yml"
    assert deploy["ask_job_type_on_launch"] is True
    assert deploy["ask_diff_mode_on_launch"] is True
    assert deploy["survey_enabled"] is True
    assert set(questions(play, deploy)) == {"suffix"}


def test_teardown_template_asks_suffix_and_typed_confirmation(play):
    teardown = job_template(play, "tap-infra teardown")
    assert teardown["playbook"] == "teardown.yml"
    asked = questions(play, teardown)
    assert set(asked) == {"suffix", "confirm"}
    assert asked["confirm"]["required"] is True and asked["confirm"]["type"] == "text"
    aws_vars = load(REPO_ROOT / "inventories" / "aws" / "group_vars" / "all.yml")
    assert aws_vars["tap_teardown_requires_confirmation"] is True


def test_drift_check_template_is_check_mode_with_diff_failing_on_drift_and_scheduled(play, settings):
    drift = job_template(play, "tap-infra drift check")
    assert drift["playbook"] == "site.yml"
    assert drift["job_type"] == "check" and drift["diff_mode"] is True
    assert drift["extra_vars"] == {"tap_fail_on_drift": True}
    assert set(questions(play, drift)) == {"suffix"}
    (schedule,) = tasks_of(play, "awx.awx.schedule")
    assert schedule["unified_job_template"] == "tap-infra drift check"
    assert schedule["rrule"] == "{{ tap_awx_drift_rrule }}"
    assert schedule["extra_data"] == {"suffix": "{{ tap_awx_drift_suffix }}"}
    assert "RRULE:FREQ=DAILY" in settings["tap_awx_drift_rrule"]
    assert "DTSTART" in settings["tap_awx_drift_rrule"]


def test_every_setting_the_playbook_uses_has_a_default(play, settings):
    names = set(re.findall(r"\b(tap_awx_\w+)", AWX.read_text()))
    assert names and names <= set(settings), names - set(settings)
