# `man seqtrain` says what --help says: every line of `seqtrain help` and of each command's
# --help (words as printed, whitespace aside) is in the rendered man page, and every command
# `seqtrain help` lists has its options there.
# bash man_page_test.sh SEQTRAIN MPIEXEC SCRATCH MAN_PAGE
source "$(dirname "$0")/../cli/lib.sh"
PAGE=$4
[ -f "$PAGE" ] || { fail "no man page $PAGE (build the seqtrain_manpage target)"; finish; }
# Rendered as a reader sees it, ASCII, on one line of single spaces.
rendered=$(MANWIDTH=100 LC_ALL=C man -l "$PAGE" 2>"$SCRATCH/man.err" | tr -s ' \n' '  ')
[ -s "$SCRATCH/man.err" ] && fail "man warns: $(cat "$SCRATCH/man.err")"
normalize() { sed -e 's/^usage: //' -e 's/:$//' -e 's/^ *//' -e 's/ *$//' | tr -s ' '; }
check_text() {  # NAME: each line of stdin is in the page
  local line missing=0
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    if ! grep -qiF -- "$line" <<<"$rendered"; then
      fail "$1: not in the man page: '$line'"
      missing=$((missing + 1))
    fi
  done < <(normalize)
  [ $missing -eq 0 ] && echo "ok: $1 --help is in the man page"
}
"$SEQTRAIN" help >"$SCRATCH/help.txt" 2>&1 </dev/null || fail "seqtrain help exited $?"
check_text help <"$SCRATCH/help.txt"
commands=$(sed -n '/^commands:$/,/^$/p' "$SCRATCH/help.txt" | awk 'NR > 1 && NF { print $1 }')
[ "$(wc -w <<<"$commands")" -ge 8 ] || fail "seqtrain help lists too few commands: $commands"
for command in $commands; do
  case $command in help | version) continue ;; esac
  "$SEQTRAIN" "$command" --help >"$SCRATCH/$command.txt" 2>&1 </dev/null || fail "$command --help exited $?"
  grep -q -- '--help' "$SCRATCH/$command.txt" || fail "$command --help lists no options"
  check_text "$command" <"$SCRATCH/$command.txt"
done
finish
