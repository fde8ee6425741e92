"""Checks of the source tree itself, run by tests/run.py as tree/*:

- docs-source-tree: docs/architecture.md's "Source tree" table names every
  source file of lucid and lucid.efi (a header that shares its name with a
  listed .c file belongs to that row), and every file it names exists.
- objects-mk: every .c/.asm of lucid.elf is named in its directory's
  objects.mk, and every object named there has a source.
- layers: each source file includes only what its layer may use
  (LAYER_RULES, docs/architecture.md "Layers").

The docs against the tree (README.md and docs/*.md, read through
tests/tree/markdown.py):

- docs-paths: every path the docs name in a code span exists. A word of
  a span (words split at spaces and '=') is a path when it is a
  directory at the top of the tree, a /, and more (`hv/core/vcpu.c`,
  `tests/guests/`), or the name of a file there (`Makefile`); build/ is
  left out, since a clean tree has no outputs. A trailing / wants a
  directory; `*` and a placeholder in capitals (`tests/guests/NAME.c`)
  stand for any name. Not paths: what is not in a code span, what is in
  a code block (examples), and test names as tests/run.py prints them
  (`boot/qemu-guests/guest/NAME`, `tools/lucidctl-*`), named after a
  boot case or a tools check. A path that is not there is drift: fix
  the doc.
- docs-links: every relative link ([text](path), [text](path#anchor),
  [text](#anchor)) leads to a file or directory in the tree, and its
  anchor to a heading of that Markdown file, by GitHub's rule
  (markdown.slug). Links with a scheme (http:, https:) are not followed.
- docs-config-keys: docs/config.md's table of keys (| key | value |
  default |) has a row for each key `build/lucid-cfg keys` lists, the
  parser's own table, and for no other; each row states the limits the
  parser checks, no more and no fewer ("1 to 8", "1M to 64G", "at most
  63 characters", "up to 8", "a multiple of 4K"), and names each value
  of a key that takes words (`flat`); and the Format section's prose
  states the limits `build/lucid-cfg limits` gives (VMs, name and line
  lengths: PROSE_LIMITS). It needs build/lucid-cfg, which
  make test builds first, and fails if it is missing.

Each check returns a list of problems; empty means it passed."""
import fnmatch
import re
import subprocess
from pathlib import Path

from tree import markdown

SOURCE_DIRS = ("boot", "arch", "hv", "drivers", "lib")
SOURCE_EXTS = (".c", ".h", ".asm", ".inc")
KERNEL_EXCLUDE = ("boot/efi/",)  # lucid.efi has its own build (efi.mk)


def source_files(root):
    files = []
    for d in SOURCE_DIRS:
        for p in (root / d).rglob("*"):
            if p.is_file() and p.suffix in SOURCE_EXTS:
                files.append(p.relative_to(root).as_posix())
    return sorted(files)


def tree_table(text):
    """The file paths the Source tree section's table names, in order."""
    rows = markdown.table(text, ("file", "what it holds"))
    return None if rows is None else [markdown.unquote(r[0]) for r in rows]


def check_docs_source_tree(root):
    doc = root / "docs" / "architecture.md"
    listed = tree_table(doc.read_text())
    if listed is None:
        return [f"{doc.relative_to(root)} has no Source tree table (| file | what it holds |)"]
    problems = []
    seen = set()
    for name in listed:
        if name in seen:
            problems.append(f"{name} is listed twice")
        seen.add(name)
        if not (root / name).is_file():
            problems.append(f"{name} is listed but does not exist")
    for f in source_files(root):
        if f in seen:
            continue
        if f.endswith(".h") and f[:-2] + ".c" in seen:
            continue
        problems.append(f"{f} is missing from the Source tree table")
    return problems


def check_objects_mk(root):
    problems = []
    kernel = [f for f in source_files(root)
              if f.endswith((".c", ".asm")) and not f.startswith(KERNEL_EXCLUDE)]
    listed = {}
    for mk in sorted(root.glob("*/**/objects.mk")):
        d = mk.parent.relative_to(root).as_posix()
        for m in re.finditer(r"kobjs \+= \$\(addprefix ([^,]+), ([^)]*)\)", mk.read_text()):
            if m.group(1).strip().rstrip("/") != d:
                problems.append(f"{d}/objects.mk names objects of {m.group(1).strip()}")
            for obj in m.group(2).split():
                listed[f"{d}/{obj}"] = mk
    for obj, mk in listed.items():
        stem = obj[:-2]
        if not any((root / (stem + ext)).is_file() for ext in (".c", ".asm")):
            problems.append(f"{mk.relative_to(root)} names {obj}, which has no source")
    for f in kernel:
        if f.rsplit(".", 1)[0] + ".o" not in listed and not is_builtin_guest(f):
            problems.append(f"{f} is in no objects.mk: it is not built into lucid.elf")
    return problems


def is_builtin_guest(f):
    """The built-in guests (hv/builtin/*.asm but images.asm) are assembled
    into flat images that images.asm embeds, not linked as objects."""
    return (f.startswith("hv/builtin/") and f.endswith(".asm")
            and f != "hv/builtin/images.asm")


# What a file under a directory may include, as (directory, allowed,
# forbidden): an include must start with one of `allowed` (None: anything)
# and with none of `forbidden`. Every rule whose directory holds the file
# applies. The layers: boot/ -> hv/ -> arch/x86/virt.h -> the back ends,
# with drivers/, hv/mm/ and lib/ below; docs/architecture.md says why.
BACK_ENDS = ("arch/x86/svm/", "arch/x86/vmx/")
LAYER_RULES = (
    ("arch/", ("arch/", "lib/", "hv/mm/"), ()),
    ("hv/mm/", ("hv/mm/", "lib/", "boot/boot_info.h"), ()),
    ("drivers/", ("drivers/", "lib/", "arch/x86/"), BACK_ENDS),
    ("lib/", ("lib/",), ()),
    # Generic code reaches a back end only through arch/x86/virt.h.
    ("hv/", None, BACK_ENDS),
    ("boot/", None, BACK_ENDS),
)
INCLUDE = re.compile(r'^\s*(?:#\s*include|%include)\s+"([^"]+)"', re.M)


def includes(path):
    """The quoted #include / %include names of a file, with line numbers.
    <...> includes are the compiler's own headers and are left out."""
    text = path.read_text()
    return [(text.count("\n", 0, m.start()) + 1, m.group(1))
            for m in INCLUDE.finditer(text)]


def layer_problem(f, inc):
    for d, allowed, forbidden in LAYER_RULES:
        if not f.startswith(d):
            continue
        if allowed is not None and not inc.startswith(allowed):
            return f"{d} may include only {', '.join(allowed)}"
        if inc.startswith(forbidden):
            return f"{d} must not include a back end's headers ({', '.join(forbidden)})"
    return None


def check_layers(root):
    problems = []
    for f in source_files(root):
        for line, inc in includes(root / f):
            why = layer_problem(f, inc)
            if why:
                problems.append(f'{f}:{line} includes "{inc}": {why}')
    return problems


# ---- the docs against the tree ------------------------------------------

# A placeholder in a doc's path: `tests/guests/NAME.c`, `test_NAME.c`.
PLACEHOLDER = re.compile(r"(?<![A-Za-z])[A-Z][A-Z0-9_]+(?![a-z])")


def top_level(root):
    """The directories (but build/, whose outputs a clean tree lacks) and
    the files at the top of the tree: what a doc's path starts with."""
    entries = [p for p in root.iterdir() if p.name not in ("build", ".git")]
    return ({p.name for p in entries if p.is_dir()}, {p.name for p in entries if p.is_file()})


def span_paths(span, dirs, files):
    """The words of a code span that are paths: TOP/... for a directory
    TOP at the top of the tree, or the name of a file there. Words split
    at spaces and '=' (`CFG=tests/x.cfg`); brackets and punctuation
    around a word are not part of it."""
    for word in re.split(r"[\s=]+", span):
        word = word.strip("()[],;:\"'")
        if word in files or ("/" in word and word.split("/")[0] in dirs):
            yield word


def test_names():
    """The names tests/run.py gives its boot cases and tools checks
    (boot/CASE, tools/CHECK), which docs name as they name paths."""
    from boot import cases
    from tools import checks as tools_checks
    return ([f"boot/{c.name}" for c in cases.all_cases(Path("build"))] +
            [f"tools/{name}" for name in tools_checks.CHECKS])


def path_exists(root, word):
    """Is the path a doc names there? A trailing / wants a directory, and
    `*` or a placeholder in capitals (NAME, VM) stands for any name."""
    if word.endswith("/..."):
        word = word[:-3]
    if (root / word).is_dir() or (not word.endswith("/") and (root / word).exists()):
        return True
    pattern = PLACEHOLDER.sub("*", word).rstrip("/")
    return "*" in pattern and any(root.glob(pattern))


def check_docs_paths(root):
    dirs, files = top_level(root)
    tests = None
    problems = []
    for doc in markdown.doc_files(root):
        for line, span in markdown.code_spans((root / doc).read_text()):
            for word in span_paths(span, dirs, files):
                if path_exists(root, word):
                    continue
                tests = tests if tests is not None else test_names()
                head = "/".join(word.split("/")[:2])
                if any(fnmatch.fnmatchcase(name, head) for name in tests):
                    continue
                problems.append(f"{doc}:{line}: `{word}` is not in the tree")
    return problems


def check_docs_links(root):
    problems = []
    for doc in markdown.doc_files(root):
        for line, target in markdown.links((root / doc).read_text()):
            if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):
                continue  # http:, https:, mailto: lead out of the tree
            path, _, anchor = target.partition("#")
            dest = ((root / doc).parent / path).resolve() if path else (root / doc).resolve()
            where = f"{doc}:{line}: link to {target}"
            if not dest.is_relative_to(root.resolve()):
                problems.append(f"{where}: it leads out of the tree")
            elif not dest.exists():
                problems.append(f"{where}: {path} does not exist")
            elif anchor and (dest.is_dir() or dest.suffix != ".md"):
                problems.append(f"{where}: #{anchor} in a file that is not Markdown")
            elif anchor and anchor not in markdown.anchors(dest.read_text()):
                problems.append(f"{where}: {dest.relative_to(root.resolve())} has no "
                                f"heading with the anchor #{anchor}")
    return problems


# A limit as `lucid-cfg keys` and docs/config.md's table write it.
NUMBER = r"(?:0x[0-9a-f]+|\d+[KMG]?)"
LIMIT = re.compile(rf"\b(?:{NUMBER} to {NUMBER}|at most \d+ characters|up to \d+|"
                   rf"a multiple of {NUMBER})\b")
# A key's values, as `lucid-cfg keys` lists them: "pc or none".
WORDS = re.compile(r"^((?:[\w-]+, )*[\w-]+) or ([\w-]+)\b")


def config_limits(text):
    """The limits text states, in order, each once."""
    return sorted(set(LIMIT.findall(text.replace("`", ""))))


# What docs/config.md's Format section says of the limits that are not a
# key's, each against `lucid-cfg limits`: its pattern in the doc's prose.
PROSE_LIMITS = {
    "vms": (r"up to (\d+) VMs", "up to {}"),
    "name": (r"names of 1 to (\d+)", "1 to {} characters"),
    "line": (r"may be up to (\d+) characters long", "up to {} characters"),
}


def lucid_cfg(root, command):
    """`build/lucid-cfg COMMAND` as {first word: the rest}, or a problem."""
    binary = root / "build" / "lucid-cfg"
    if not binary.is_file():
        return None, f"{binary.relative_to(root)} is missing: build it first (make; make test does)"
    res = subprocess.run([str(binary), command], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    if res.returncode != 0:
        return None, (f"{binary.relative_to(root)} {command} failed (status {res.returncode}): "
                      f"{res.stdout}")
    return dict(line.split(None, 1) for line in res.stdout.splitlines()), None


def prose_limit_problems(root, text):
    limits, problem = lucid_cfg(root, "limits")
    if problem:
        return [problem]
    m = re.search(r"^## Format\n(.*?)^\|", text, re.M | re.S)
    prose = " ".join(m.group(1).split()) if m else ""
    problems = []
    for name, (pattern, form) in PROSE_LIMITS.items():
        stated = re.search(pattern, prose)
        if name not in limits:
            problems.append(f"lucid-cfg limits no longer says `{name}`")
        elif not stated:
            problems.append(f"docs/config.md's Format section does not state the {name} limit "
                            f"(lucid-cfg limits: {limits[name]})")
        elif form.format(stated.group(1)) != limits[name]:
            problems.append(f"docs/config.md's Format section says {stated.group(0)!r}, "
                            f"the parser checks {limits[name]} (lucid-cfg limits)")
    return problems


def check_docs_config_keys(root):
    parser, problem = lucid_cfg(root, "keys")
    if problem:
        return [problem]
    doc = root / "docs" / "config.md"
    text = doc.read_text()
    rows = markdown.table(text, ("key", "value", "default"))
    if rows is None:
        return ["docs/config.md has no table | key | value | default |"]
    said = {markdown.unquote(r[0]): r[1] for r in rows}
    problems = [f"`{k}`: the parser knows it, docs/config.md's table has no row for it"
                for k in parser if k not in said]
    problems += [f"`{k}`: a row of docs/config.md's table, but the parser knows no such key"
                 for k in said if k not in parser]
    for key in [k for k in parser if k in said]:
        truth, stated = config_limits(parser[key]), config_limits(said[key])
        if truth != stated:
            problems.append(f"`{key}`: docs/config.md states {'; '.join(stated) or 'no limit'}, "
                            f"the parser checks {'; '.join(truth) or 'none'} "
                            f"(lucid-cfg keys: {parser[key]})")
        m = WORDS.match(parser[key])
        for word in (m.group(1).split(", ") + [m.group(2)]) if m else []:
            if f"`{word}`" not in said[key]:
                problems.append(f"`{key}`: docs/config.md does not name the value `{word}`")
    return problems + prose_limit_problems(root, text)


CHECKS = {
    "docs-source-tree": check_docs_source_tree,
    "objects-mk": check_objects_mk,
    "layers": check_layers,
    "docs-paths": check_docs_paths,
    "docs-links": check_docs_links,
    "docs-config-keys": check_docs_config_keys,
}
