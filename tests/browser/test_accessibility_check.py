"""The accessibility check itself, on pages written here: what moves during an axe run (a toast
fading out as its time runs out) is not a violation; what stays put is."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.browser.conftest import _axe_violations, settled_axe_violations

# A toast-like notice in good contrast that, while the first axe run is under way, shows at 30 %
# opacity for half a second, as a toast does while it fades away.
FADING_NOTICE = """
<!doctype html><html lang="en"><head><title>Fading</title><style>
  @keyframes fading { from { opacity: 0.3; } to { opacity: 0.3; } }
  .fading { animation: fading 0.5s linear 1; }
</style></head><body><main>
  <h1>Servers</h1>
  <div role="status" id="notice" style="background:#fff;color:#555">web-1 was rebooted.</div>
</main></body></html>
"""

FADE_DURING_FIRST_RUN = """() => {
  const run = window.axe.run.bind(window.axe);
  let first = true;
  window.axe.run = (...args) => {
    if (first) {
      first = false;
      document.getElementById('notice').classList.add('fading');
    }
    return run(...args);
  };
}"""


def _load_axe(page: Page) -> None:
    _axe_violations(page)


def _contrast_targets(violations: list[dict[str, Any]]) -> list[list[str]]:
    return [
        node["target"]
        for violation in violations
        if violation["id"] == "color-contrast"
        for node in violation["nodes"]
    ]


def test_a_notice_fading_during_an_axe_run_is_not_a_violation(page: Page) -> None:
    page.set_content(FADING_NOTICE)
    _load_axe(page)
    page.evaluate(FADE_DURING_FIRST_RUN)
    assert settled_axe_violations(page) == []


def test_a_single_axe_run_would_flag_the_fading_notice(page: Page) -> None:
    # The case above is a real one: measured mid-fade, the notice fails AA contrast.
    page.set_content(FADING_NOTICE)
    _load_axe(page)
    page.evaluate(FADE_DURING_FIRST_RUN)
    assert _contrast_targets(_axe_violations(page)) == [["#notice"]]


def test_low_contrast_that_stays_is_still_a_violation(page: Page) -> None:
    page.set_content(FADING_NOTICE.replace("color:#555", "color:#bbb"))
    _load_axe(page)
    page.evaluate(FADE_DURING_FIRST_RUN)
    assert _contrast_targets(settled_axe_violations(page)) == [["#notice"]]
