/** zsh: flags and commands carry their descriptions (`_describe`); values go to zsh's own completers. */
import { caseTables, flagsOf, header, type Kind, type Model, PROFILE_DIR_SH, wordWalk } from "./model.js";

/** `_describe` entries are `word:description`; a colon in the word must be escaped. */
const zdesc = (word: string, description: string) =>
  `'${word.replace(/:/g, "\\:")}:${description.replace(/'/g, "'\\''").replace(/\s+/g, " ").trim()}'`;

const zshArith = (expr: string) => `(( ${expr} ))`;

function zshKind(k: Kind): string {
  switch (k.type) {
    case "choices":
      return `_oidc_k=words; _oidc_v=(${k.values.join(" ")})`;
    case "none":
      return "_oidc_k=any";
    default:
      return `_oidc_k=${k.type}`;
  }
}

export function zshScript(m: Model): string {
  const L: string[] = [];
  L.push("#compdef oidc");
  L.push(...header("zsh", "_oidc").map((l) => `# ${l}`));
  L.push("# Install: put this file, named _oidc, in a directory on $fpath before compinit runs;");
  L.push("# or run `source <(oidc completion zsh)` after compinit.");
  L.push("");
  L.push("_oidc_profiles() {");
  L.push(PROFILE_DIR_SH);
  L.push(`  local -a names
  names=( "$dir"/profiles/*.json(N:t:r) )
  _wanted profiles expl 'profile' compadd -a names
}`);
  L.push("");
  L.push(...caseTables(m, zshKind, "  _oidc_k=; _oidc_v=()", false));
  L.push("");
  L.push("_oidc_flags() {");
  L.push('  case "$1" in');
  for (const c of m.all) {
    const entries = flagsOf(m, c).flatMap((o) => o.flags.map((f) => zdesc(f, o.description)));
    L.push(`    "${c.path}") _oidc_d=(${entries.join(" ")}) ;;`);
  }
  L.push("    *) _oidc_d=() ;;");
  L.push("  esac");
  L.push("}");
  L.push("");
  L.push("_oidc_commands() {");
  L.push('  case "$1" in');
  for (const c of m.all.filter((x) => x.subcommands.length)) {
    const entries = c.subcommands.flatMap((s) =>
      s.names.map((n, i) => zdesc(n, i === 0 ? s.description : `${s.description} (alias of ${s.names[0]})`)),
    );
    L.push(`    "${c.path}") _oidc_d=(${entries.join(" ")}) ;;`);
  }
  L.push("    *) _oidc_d=() ;;");
  L.push("  esac");
  L.push("}");
  L.push("");
  L.push(`_oidc_value() {
  case $_oidc_k in
    words) _wanted values expl 'value' compadd -a _oidc_v ;;
    profile) _oidc_profiles ;;
    file) _files ;;
    command) _command_names -e ;;
    *) _message 'value' ;;
  esac
}

_oidc() {
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} cpath= w flag= dashdash= cmdstart=
  local _oidc_k _oidc_p
  local -a _oidc_v _oidc_d expl
  integer i=2 nargs=0`);
  L.push(
    ...wordWalk({
      words: "words",
      cursor: "CURRENT",
      arith: zshArith,
      assignmentSeparator: "; ",
      skipValue: [`[[ -n $_oidc_k ]] && ${zshArith("i++")}`],
      moreCases: [],
    }),
  );
  L.push("");
  L.push(`  # The command line of \`oidc exec -- <command> …\`: complete it as that command's.
  if [[ -n $cmdstart ]]; then
    _oidc_arg "$cpath" 0
    if [[ $_oidc_k == command ]]; then
      words=( "\${(@)words[cmdstart,-1]}" )
      (( CURRENT -= cmdstart - 1 ))
      _normal
      return
    fi
  fi

  if [[ -z $dashdash ]]; then
    if [[ $cur == --*=* ]]; then
      flag=\${cur%%=*}
      _oidc_optarg "$cpath" "$flag"
      if [[ -n $_oidc_k ]]; then compset -P '*='; _oidc_value; return; fi
    elif [[ $prev == -* ]]; then
      _oidc_optarg "$cpath" "$prev"
      if [[ -n $_oidc_k ]]; then _oidc_value; return; fi
    fi
    if [[ $cur == -* ]]; then
      _oidc_flags "$cpath"
      _describe -t options 'option' _oidc_d
      return
    fi
    _oidc_commands "$cpath"
    (( $#_oidc_d )) && _describe -t commands 'command' _oidc_d
  fi
  _oidc_arg "$cpath" "$nargs"
  [[ -n $_oidc_k ]] && _oidc_value
  return 0
}

if [[ $funcstack[1] == _oidc ]]; then
  _oidc "$@"
else
  compdef _oidc oidc
fi`);
  return `${L.join("\n")}\n`;
}
