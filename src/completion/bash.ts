/** bash: no descriptions, and "--flag=value" arrives as three words, so the word walk steps over the "=". */
import { caseTables, flagsOf, header, type Kind, type Model, PROFILE_DIR_SH, wordWalk } from "./model.js";

const bashArith = (expr: string) => `((${expr}))`;

function bashKind(k: Kind): string {
  switch (k.type) {
    case "choices":
      return `_oidc_k=words; _oidc_v='${k.values.join(" ")}'`;
    case "none":
      return "_oidc_k=any";
    default:
      return `_oidc_k=${k.type}`;
  }
}

export function bashScript(m: Model): string {
  const L: string[] = [];
  L.push(...header("bash", "oidc.bash").map((l) => `# ${l}`));
  L.push("# Install: source this file from ~/.bashrc, or copy it to ~/.local/share/bash-completion/completions/oidc.");
  L.push("");
  L.push("# _oidc_profiles PREFIX WORD: the profile names starting with WORD, from the files of the store.");
  L.push("_oidc_profiles() {");
  L.push(PROFILE_DIR_SH);
  L.push(`  local f
  for f in "$dir"/profiles/*.json; do
    [[ -e $f ]] || continue
    f=\${f##*/}
    f=\${f%.json}
    [[ $f == "$2"* ]] && COMPREPLY+=("$1$f")
  done
  return 0
}`);
  L.push("");
  L.push(...caseTables(m, bashKind, "  _oidc_k= _oidc_v=", true));
  L.push("");
  L.push('# _oidc_words PATH [flags]: the subcommands, or with "flags" the flags, of PATH (in _oidc_v).');
  L.push("_oidc_words() {");
  L.push("  if [[ $2 == flags ]]; then");
  L.push('    case "$1" in');
  for (const c of m.all)
    L.push(
      `      "${c.path}") _oidc_v='${flagsOf(m, c)
        .flatMap((o) => o.flags)
        .join(" ")}' ;;`,
    );
  L.push("      *) _oidc_v= ;;");
  L.push("    esac");
  L.push("  else");
  L.push('    case "$1" in');
  for (const c of m.all.filter((x) => x.subcommands.length))
    L.push(`      "${c.path}") _oidc_v='${c.subcommands.flatMap((s) => s.names).join(" ")}' ;;`);
  L.push("      *) _oidc_v= ;;");
  L.push("    esac");
  L.push("  fi");
  L.push("}");
  L.push("");
  L.push(`# Complete "$2" as a value of kind _oidc_k; "$1" is kept in front (the "--flag=" of "--flag=value").
_oidc_value() {
  local w
  case $_oidc_k in
    words) for w in $_oidc_v; do [[ $w == "$2"* ]] && COMPREPLY+=("$1$w"); done ;;
    profile) _oidc_profiles "$1" "$2" ;;
    file)
      compopt -o filenames 2>/dev/null
      while IFS= read -r w; do COMPREPLY+=("$1$w"); done < <(compgen -f -- "$2")
      ;;
    command)
      while IFS= read -r w; do COMPREPLY+=("$w"); done < <(compgen -c -- "$2")
      ;;
  esac
  return 0
}

_oidc() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local cpath= w i=1 nargs=0 dashdash= cmdstart=
  COMPREPLY=()
  # Walk the words before the cursor: subcommands extend the path, flags skip their values.`);
  L.push(
    ...wordWalk({
      words: "COMP_WORDS",
      cursor: "COMP_CWORD",
      arith: bashArith,
      assignmentSeparator: " ",
      skipValue: [
        "if [[ -n $_oidc_k ]]; then",
        '  # bash splits "--flag=value" into "--flag" "=" "value"',
        `  if [[ \${COMP_WORDS[i+1]} == '=' ]]; then ${bashArith("i += 2")}; else ${bashArith("i++")}; fi`,
        "fi",
      ],
      moreCases: [`'=') ${bashArith("i++")} ;;`],
    }),
  );
  L.push("");
  L.push(`  # The command line of \`oidc exec -- <command> …\`: hand it to that command's completion.
  if [[ -n $cmdstart ]] && declare -F _command_offset >/dev/null; then
    _oidc_arg "$cpath" 0
    if [[ $_oidc_k == command ]]; then _command_offset "$cmdstart"; return 0; fi
  fi

  # A flag's value: "--flag value", "--flag=value" (split by bash or not).
  local flag= pre=
  if [[ -z $dashdash ]]; then
    if [[ $cur == '=' && $prev == -* ]]; then flag=$prev cur=
    elif [[ $prev == '=' && \${COMP_WORDS[COMP_CWORD-2]} == -* ]]; then flag=\${COMP_WORDS[COMP_CWORD-2]}
    elif [[ $cur == --*=* ]]; then flag=\${cur%%=*} pre=\${cur%%=*}= cur=\${cur#*=}
    elif [[ $prev == -* ]]; then flag=$prev
    fi
  fi
  if [[ -n $flag ]]; then
    _oidc_optarg "$cpath" "$flag"
    if [[ -n $_oidc_k ]]; then _oidc_value "$pre" "$cur"; return 0; fi
  fi

  if [[ -z $dashdash && $cur == -* ]]; then
    _oidc_words "$cpath" flags
    for w in $_oidc_v; do [[ $w == "$cur"* ]] && COMPREPLY+=("$w"); done
    return 0
  fi
  if [[ -z $dashdash ]]; then
    _oidc_words "$cpath"
    for w in $_oidc_v; do [[ $w == "$cur"* ]] && COMPREPLY+=("$w"); done
  fi
  _oidc_arg "$cpath" "$nargs"
  if [[ $_oidc_k == command && $nargs -gt 0 ]]; then _oidc_k=file; fi
  _oidc_value "" "$cur"
}

complete -F _oidc oidc`);
  return `${L.join("\n")}\n`;
}
