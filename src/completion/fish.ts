/**
 * fish: every `complete` line is guarded by a condition on the command line, not dispatched from one
 * function, so the script has a word walk of its own (`__oidc_state`) for those conditions to ask.
 */
import { header, type Kind, type Model, type OptSpec } from "./model.js";

const fq = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\s+/g, " ").trim()}'`;

function fishArgs(k: Kind): string {
  switch (k.type) {
    case "choices":
      return ` -a ${fq(k.values.join(" "))}`;
    case "profile":
      return " -a '(__oidc_profiles)'";
    case "file":
      return " -F";
    case "command":
      return " -a '(__fish_complete_command)'";
    default:
      return "";
  }
}

function fishFlag(o: OptSpec, condition: string): string {
  const parts = ["complete -c oidc", `-n ${fq(condition)}`];
  for (const f of o.flags) parts.push(f.startsWith("--") ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`);
  if (o.takesValue) parts.push(o.kind.type === "file" ? "-r" : "-x");
  const args = o.takesValue ? fishArgs(o.kind) : "";
  return `${parts.join(" ")}${args} -d ${fq(o.description)}`;
}

export function fishScript(m: Model): string {
  const L: string[] = [];
  L.push(...header("fish", "oidc.fish").map((l) => `# ${l}`));
  L.push("# Install: copy this file to ~/.config/fish/completions/oidc.fish.");
  L.push("");
  L.push(`function __oidc_profiles --description 'oidc: profile names in the store'
    set -l dir $OIDC_CONFIG_DIR
    if test -z "$dir"
        if test -d $HOME/Library/Preferences/oidc
            set dir $HOME/Library/Preferences/oidc
        else if set -q XDG_CONFIG_HOME; and test -n "$XDG_CONFIG_HOME"
            set dir $XDG_CONFIG_HOME/oidc
        else
            set dir $HOME/.config/oidc
        end
    end
    for f in $dir/profiles/*.json
        string replace -r '^.*/([^/]*)\\.json$' '$1' -- $f
    end
end
`);
  L.push("function __oidc_sub --argument-names p w");
  L.push('    switch "$p|$w"');
  for (const c of m.all)
    for (const s of c.subcommands)
      L.push(`        case ${s.names.map((n) => fq(`${c.path}|${n}`)).join(" ")}\n            echo ${fq(s.path)}`);
  L.push("    end");
  L.push("end");
  L.push("");
  L.push("function __oidc_takes_value --argument-names p w");
  L.push('    switch "$p|$w"');
  const valueFlags: string[] = [];
  for (const c of m.all)
    for (const o of c.options.filter((x) => x.takesValue)) valueFlags.push(...o.flags.map((f) => fq(`${c.path}|${f}`)));
  for (const o of m.globals.filter((x) => x.takesValue)) valueFlags.push(...o.flags.map((f) => fq(`*|${f}`)));
  L.push(`        case ${valueFlags.join(" ")}`);
  L.push("            return 0");
  L.push("    end");
  L.push("    return 1");
  L.push("end");
  L.push("");
  L.push(`# Prints the command path, the number of positional arguments after it, and 1 after "--".
function __oidc_state
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l p ''
    set -l n 0
    set -l skip 0
    set -l dd 0
    for w in $tokens
        if test $skip = 1
            set skip 0
        else if test $dd = 1
            set n (math $n + 1)
        else if test "$w" = --
            set dd 1
        else if string match -q -- '--*=*' $w
            continue
        else if string match -q -- '-*' $w
            if __oidc_takes_value "$p" $w
                set skip 1
            end
        else
            set -l next (__oidc_sub "$p" $w)
            if test -n "$next"
                set p $next
                set n 0
            else
                set n (math $n + 1)
            end
        end
    end
    printf '%s\\n' "$p" $n $dd
end

# __oidc_at PATH: the command line is at PATH, before any "--".
function __oidc_at --argument-names want
    set -l s (__oidc_state)
    test "$s[1]" = "$want"; and test "$s[3]" = 0
end

# __oidc_argn PATH N: the next word is positional argument N of PATH ("N+" for N or later).
function __oidc_argn --argument-names want n
    set -l s (__oidc_state)
    test "$s[1]" = "$want"; or return 1
    if string match -q -- '*+' $n
        test $s[2] -ge (string trim -r -c + -- $n)
    else
        test $s[2] = $n
    end
end

complete -c oidc -f`);
  L.push("");
  for (const c of m.all) {
    const label = c.path || "oidc";
    L.push(`# ${label}`);
    for (const s of c.subcommands)
      for (const n of s.names)
        L.push(
          `complete -c oidc -n ${fq(`__oidc_at ${fq(c.path)}`)} -a ${n} -d ${fq(n === s.names[0] ? s.description : `alias of ${s.names[0]}`)}`,
        );
    for (const o of c.options) L.push(fishFlag(o, `__oidc_at ${fq(c.path)}`));
    c.args.forEach((a, i) => {
      if (a.kind.type === "none") return;
      const n = a.variadic ? `${i}+` : String(i);
      if (a.kind.type === "command") {
        L.push(`complete -c oidc -n ${fq(`__oidc_argn ${fq(c.path)} ${i}`)} -a '(__fish_complete_command)'`);
        L.push(`complete -c oidc -n ${fq(`__oidc_argn ${fq(c.path)} ${i + 1}+`)} -F`);
      } else L.push(`complete -c oidc -n ${fq(`__oidc_argn ${fq(c.path)} ${n}`)}${fishArgs(a.kind)}`);
    });
    L.push("");
  }
  L.push("# global options (every command)");
  const notRoot = "not __oidc_at ''; and not test (__oidc_state)[3] = 1";
  for (const o of m.globals) L.push(fishFlag(o, notRoot));
  return `${L.join("\n")}\n`;
}
