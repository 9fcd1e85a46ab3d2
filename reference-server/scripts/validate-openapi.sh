#!/usr/bin/env bash
# Validates reference-server/openapi.yaml as an OpenAPI 3.1 document with openapi-spec-validator,
# then runs the contract cross-checks between openapi.yaml, DESIGN.md and API.md:
#   - every operation has operationId, summary and at least one example;
#   - every $ref resolves;
#   - every route of DESIGN.md's route table is in the spec;
#   - every spec method+path appears literally in API.md (health paths at the host root,
#     everything else under /api/v1);
#   - API.md is under 50 KB.
# Exits non-zero on any failure. The venv lives in ${TMPDIR:-/tmp}/specgate-venv and is created on
# first use (needs PyPI access once).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
server_dir="$(cd "$here/.." && pwd)"
spec="${1:-$server_dir/openapi.yaml}"
agents="${2:-$server_dir/API.md}"
design="$server_dir/DESIGN.md"
venv="${TMPDIR:-/tmp}/specgate-venv"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import openapi_spec_validator, yaml' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi

"$venv/bin/python" - "$spec" "$agents" "$design" <<'PY'
import json
import re
import sys

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

spec_path, agents_path, design_path = sys.argv[1:4]
problems = []

with open(spec_path, encoding="utf-8") as fh:
    doc = yaml.safe_load(fh)
# What the server serves is JSON: make sure the YAML survives the conversion unchanged.
doc = json.loads(json.dumps(doc))

if not re.fullmatch(r"3\.1\.\d+", str(doc.get("openapi", ""))):
    problems.append(f"openapi must be 3.1.x, got {doc.get('openapi')!r}")
try:
    validate(doc)
    print(f"openapi-spec-validator: {spec_path} is a valid OpenAPI 3.1 document")
except OpenAPIValidationError as e:
    where = "/".join(str(p) for p in getattr(e, "absolute_path", []) or [])
    msg = getattr(e, "message", str(e))
    problems.append(f"openapi-spec-validator: {msg[:600]} (at /{where})")

# --- every $ref resolves
def resolve(pointer):
    if not pointer.startswith("#/"):
        raise KeyError(pointer)
    node = doc
    for part in pointer[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node

def walk(node, path="#"):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                try:
                    resolve(v)
                except (KeyError, TypeError):
                    problems.append(f"unresolved $ref {v} at {path}")
            else:
                walk(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, f"{path}/{i}")

walk(doc)

def deref(node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        node = resolve(node["$ref"])
        seen += 1
    return node

# --- operations: operationId, summary, example; collect method+path
METHODS = ["get", "put", "post", "patch", "delete", "head", "options"]
root_url = doc.get("servers", [{}])[0].get("url", "")
ops = []
op_ids = set()
for path, item in doc.get("paths", {}).items():
    servers = item.get("servers")
    base = servers[0]["url"].rstrip("/") if servers else root_url.rstrip("/")
    for method in METHODS:
        o = item.get(method)
        if o is None:
            continue
        full = f"{method.upper()} {base}{path}"
        ops.append(full)
        if not o.get("operationId"):
            problems.append(f"{full}: missing operationId")
        elif o["operationId"] in op_ids:
            problems.append(f"{full}: duplicate operationId {o['operationId']}")
        else:
            op_ids.add(o["operationId"])
        if not o.get("summary"):
            problems.append(f"{full}: missing summary")
        has_example = False
        media = []
        if "requestBody" in o:
            media += list(deref(o["requestBody"]).get("content", {}).values())
        for resp in o.get("responses", {}).values():
            resp = deref(resp)
            media += list(resp.get("content", {}).values())
            for h in resp.get("headers", {}).values():
                h = deref(h)
                if "example" in h or "examples" in h:
                    has_example = has_example or False  # headers alone do not count
        for m in media:
            if "example" in m or "examples" in m:
                has_example = True
        if not has_example and "x-examples" not in o:
            problems.append(f"{full}: no example on request body or response media types")

print(f"{len(ops)} operations checked")

# --- every example validates against its schema (JSON Schema 2020-12, formats checked)
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

registry = Registry().with_resource("urn:spec", Resource(contents=doc, specification=DRAFT202012))
checker = FormatChecker()
n_examples = 0

def check_example(schema_ptr, value, where):
    global n_examples
    n_examples += 1
    v = Draft202012Validator({"$ref": "urn:spec" + schema_ptr}, registry=registry, format_checker=checker)
    errs = sorted(v.iter_errors(value), key=lambda e: list(e.path))
    for e in errs[:3]:
        problems.append(f"example {where} does not match its schema: {e.message[:200]} at {list(e.absolute_path)}")

def esc(k):
    return str(k).replace("~", "~0").replace("/", "~1")

def scan(node, ptr):
    if isinstance(node, dict):
        if "schema" in node and isinstance(node["schema"], dict):
            sp = ptr + "/schema"
            if "example" in node:
                check_example(sp, node["example"], ptr)
            for name, ex in (node.get("examples") or {}).items():
                ex = deref(ex)
                if isinstance(ex, dict) and "value" in ex:
                    check_example(sp, ex["value"], f"{ptr}/examples/{name}")
        for k, v in node.items():
            scan(v, f"{ptr}/{esc(k)}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            scan(v, f"{ptr}/{i}")

scan(doc, "#")
print(f"{n_examples} examples validated against their schemas")

# --- DESIGN.md routes must be in the spec
spec_set = {o for o in ops}
design_text = open(design_path, encoding="utf-8").read()
design_routes = set()
for line in design_text.splitlines():
    if not line.startswith("| GET") and not line.startswith("| POST") and not line.startswith("| PUT") \
            and not line.startswith("| DELETE") and not line.startswith("| PATCH") and not line.startswith("| GET/"):
        continue
    cell = line.split("|")[1].strip()
    # e.g. "GET/POST /items, GET/PUT/PATCH/DELETE /items/{id}" or "GET /health, /health/live, ... (host root)"
    host_root = "host root" in cell
    cell = re.sub(r"\(.*?\)", "", cell)
    method_set = []
    for chunk in [c.strip() for c in cell.split(",")]:
        m = re.match(r"^((?:GET|POST|PUT|PATCH|DELETE)(?:/(?:GET|POST|PUT|PATCH|DELETE))*)\s+(\S+)", chunk)
        if m:
            method_set = m.group(1).split("/")
            p = m.group(2)
        elif chunk.startswith("/"):
            p = chunk.split()[0]
        else:
            continue
        p = p.split("?")[0]
        prefix = "" if host_root or p.startswith("/health") else "/api/v1"
        for meth in method_set:
            design_routes.add(f"{meth} {prefix}{p}")
# the "same set for /categories / /comments" rows
for res in ("categories", "comments"):
    for meth, p in [("GET", ""), ("POST", ""), ("GET", "/{id}"), ("PUT", "/{id}"), ("PATCH", "/{id}"),
                    ("DELETE", "/{id}"), ("POST", "/search"), ("POST", "/{id}/restore")]:
        design_routes.add(f"{meth} /api/v1/{res}{p}")
design_routes.add("GET /api/v1/categories/{id}/items")
missing = sorted(design_routes - spec_set)
for r in missing:
    problems.append(f"DESIGN.md route missing from the spec: {r}")
print(f"{len(design_routes)} DESIGN.md routes checked")

# --- every spec method+path appears in API.md; API.md < 50 KB
raw = open(agents_path, "rb").read()
if len(raw) >= 50 * 1024:
    problems.append(f"API.md is {len(raw)} bytes (must be < 51200)")
agents = raw.decode("utf-8")
for o in ops:
    if o not in agents:
        problems.append(f"spec operation not named literally in API.md: {o}")
# and the reverse: every 'METHOD /api/v1/...' or 'METHOD /health...' in API.md is a spec operation
spec_templates = []
for o in ops:
    meth, p = o.split(" ", 1)
    rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(p)) + "$"
    spec_templates.append((meth, re.compile(rx)))
for meth, p in set(re.findall(r"\b(GET|POST|PUT|PATCH|DELETE) (/(?:api/v1|health)[^\s`?),|]*)", agents)):
    if not any(m == meth and rx.match(p) for m, rx in spec_templates):
        problems.append(f"API.md names an endpoint the spec lacks: {meth} {p}")
# the endpoint table's operationIds match the spec's
spec_ids = {}
for path, item in doc.get("paths", {}).items():
    servers = item.get("servers")
    base = servers[0]["url"].rstrip("/") if servers else root_url.rstrip("/")
    for method in METHODS:
        if method in item:
            spec_ids[f"{method.upper()} {base}{path}"] = item[method].get("operationId")
for endpoint, op_id in re.findall(r"^\| `((?:GET|POST|PUT|PATCH|DELETE) [^`]+)` \| (\w+) \|", agents, re.M):
    if spec_ids.get(endpoint) != op_id:
        problems.append(f"API.md table says {endpoint} is {op_id}, the spec says {spec_ids.get(endpoint)}")
print(f"API.md: {len(raw)} bytes")

if problems:
    print(f"\n{len(problems)} problem(s):", file=sys.stderr)
    for p in problems:
        print(f"  - {p}", file=sys.stderr)
    sys.exit(1)
print("OK")
PY
