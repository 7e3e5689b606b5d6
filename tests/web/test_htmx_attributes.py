"""HTMX attributes in the templates: set once on a container, inherited by its links.

htmx 2 inherits hx-target, hx-swap, hx-push-url and the like from ancestors, so
several links swapping the same place say so once, on the element around them. Every
element that makes a request keeps its href or action, so the page works without
JavaScript. The scan reads the template files as HTML; Django tags are just text to it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
REQUESTS = ("hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete")
# Inherited by default in htmx 2; repeated on sibling requesters they belong on the container.
INHERITED = (
    "hx-target",
    "hx-swap",
    "hx-push-url",
    "hx-replace-url",
    "hx-select",
    "hx-include",
    "hx-indicator",
    "hx-sync",
)
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input",
    "link", "meta", "source", "track", "wbr",
}  # fmt: skip


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    line: int


class HtmxScan(HTMLParser):
    """The elements of one template that make an HTMX request, with their open ancestors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.requesters: list[tuple[Element, list[Element]]] = []
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.getpos()[0])
        if any(name in element.attrs for name in REQUESTS):
            self.requesters.append((element, list(self.open)))
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return


def htmx_problems(html: str, name: str = "template") -> list[str]:
    """Inherited attributes repeated on requesters or their ancestors; requesters
    without a plain href or action."""
    scan = HtmxScan()
    scan.feed(html)
    scan.close()
    problems = []
    seen: dict[tuple[str, str], Element] = {}
    for element, ancestors in scan.requesters:
        where = f"{name}:{element.line} <{element.tag}>"
        if not (element.attrs.get("href") or element.attrs.get("action")):
            problems.append(f"{where} makes an HTMX request but has no href/action")
        for attribute in INHERITED:
            if attribute not in element.attrs:
                continue
            value = element.attrs[attribute]
            if any(a.attrs.get(attribute) == value for a in ancestors):
                problems.append(f'{where} repeats {attribute}="{value}" of its container')
            first = seen.setdefault((attribute, value), element)
            if first is not element:
                problems.append(
                    f'{where} repeats {attribute}="{value}" of line {first.line}: '
                    "set it once on their container"
                )
    return problems


def test_no_template_repeats_an_inherited_htmx_attribute():
    """Every template sets hx-target, hx-swap, hx-push-url... once, where links inherit it."""
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert any(p.name == "picker.html" for p in templates)
    problems = [
        problem
        for path in templates
        for problem in htmx_problems(path.read_text(), str(path.relative_to(TEMPLATES)))
    ]
    assert not problems, "\n".join(problems)


def test_the_scan_finds_attributes_repeated_on_siblings_or_their_container():
    """The check itself: repeated on two links, or on a link and its container, is caught."""
    siblings = """
      <nav>
        <a href="?w=1" hx-get="?w=1" hx-target="#picker" hx-push-url="true">1</a>
        <a href="?w=2" hx-get="?w=2" hx-target="#picker" hx-push-url="true">2</a>
      </nav>"""
    assert len(htmx_problems(siblings)) == 2
    nested = """
      <section hx-swap="outerHTML"><p><a href="?w=1" hx-get="?w=1" hx-swap="outerHTML">1</a></p>
      </section>"""
    assert htmx_problems(nested) == ['template:2 <a> repeats hx-swap="outerHTML" of its container']
    inherited = """
      <section hx-target="this" hx-swap="outerHTML"><br>
        <a href="?w=1" hx-get="?w=1">1</a><a href="?w=2" hx-get="?w=2">2</a>
      </section>"""
    assert htmx_problems(inherited) == []


def test_the_scan_finds_a_request_without_a_plain_link():
    """An hx-get without href would be a dead link without JavaScript."""
    assert htmx_problems('<a hx-get="/x">x</a>') == [
        "template:1 <a> makes an HTMX request but has no href/action"
    ]


def test_htmx_config_keeps_attribute_inheritance():
    """The site's htmx-config must not turn inheritance off, or the links lose their target."""
    base = (TEMPLATES / "base.html").read_text()
    match = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'', base)
    assert match, "base.html has no htmx-config meta tag"
    config = json.loads(match.group(1))
    assert not config.get("disableInheritance", False)
