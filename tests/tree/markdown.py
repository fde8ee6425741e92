"""What lucid's docs say, read from their Markdown: the code spans, links,
headings and tables of README.md and docs/*.md. The tree checks
(tree/docs-*) and the boot case that compares the console's `help` with
docs/console.md read the docs through this module alone.

Only the Markdown the docs use is read: ATX headings (`## Title`),
indented and fenced code blocks (left out: what is in them is an example,
not the doc's prose), inline code spans, inline links `[text](target)`,
and pipe tables whose cells may hold `\\|`."""
import re
from pathlib import Path


def doc_files(root):
    """README.md and docs/*.md, relative to root."""
    return [Path("README.md")] + sorted(p.relative_to(root) for p in (root / "docs").glob("*.md"))


def prose(text):
    """text with its code blocks blanked (each line kept, emptied), so
    that line numbers stay right and nothing in an example counts."""
    out, fenced, in_block, blank_before = [], False, False, True
    for line in text.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
            out.append("")
            continue
        if line.strip():
            # Indented after a blank line, or after more code: a code block.
            in_block = line.startswith(("    ", "\t")) and (in_block or blank_before)
        blank_before = not line.strip()
        out.append("" if fenced or in_block else line)
    return "\n".join(out)


# A code span may go on over a line break, not over a blank line.
CODE_SPAN = re.compile(r"`((?:[^`\n]|\n(?![ \t]*\n))+)`")


def _line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def code_spans(text):
    """[(line, content)] of the inline code spans outside code blocks."""
    p = prose(text)
    return [(_line_of(p, m.start()), m.group(1)) for m in CODE_SPAN.finditer(p)]


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def links(text):
    """[(line, target)] of the inline links outside code (a code span
    that looks like a link is none)."""
    p = CODE_SPAN.sub(lambda m: "`" + " " * len(m.group(1)) + "`", prose(text))
    return [(_line_of(p, m.start()), m.group(1)) for m in LINK.finditer(p)]


def headings(text):
    """The titles of the ATX headings outside code blocks, in order."""
    return [m.group(2) for m in re.finditer(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$",
                                            prose(text), re.M)]


def slug(title):
    """GitHub's anchor for a heading: the text as shown (links become their
    text, code its content), lower case, without characters other than
    letters, digits, spaces, hyphens and underscores, each space a
    hyphen."""
    shown = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
    return re.sub(r"[^\w\- ]", "", shown.lower()).replace(" ", "-")


def anchors(text):
    """The anchors of text's headings; a title seen before gets -1, -2, ...
    as GitHub numbers them."""
    seen, out = {}, []
    for title in headings(text):
        base = slug(title)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(base if n == 0 else f"{base}-{n}")
    return out


def _cells(line):
    """A table row's cells, trimmed, with `\\|` read as |."""
    inner = line.strip()[1:-1] if line.strip().endswith("|") else line.strip()[1:]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]


def table(text, header):
    """The rows (lists of cells) of the table whose header row is `header`
    (its cells, e.g. ("command", "effect")); None when text has no such
    table. The first such table counts."""
    lines = prose(text).split("\n")
    for i, line in enumerate(lines):
        if line.startswith("|") and tuple(_cells(line)) == tuple(header):
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append(_cells(row))
            return rows
    return None


def unquote(cell):
    """A cell that is one code span, without its backticks."""
    m = re.fullmatch(r"`([^`]*)`", cell)
    return m.group(1) if m else cell


def console_commands(root):
    """docs/console.md's command table: each command with its arguments,
    as written in its first column (`list [--all]` -> "list [--all]")."""
    rows = table((root / "docs" / "console.md").read_text(), ("command", "effect"))
    return None if rows is None else [unquote(r[0]) for r in rows]
