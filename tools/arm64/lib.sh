# Shared by samples/EdgeDigits/publish-and-check.sh and tools/neon-check/run.sh: timed steps, failure, and a
# NativeAOT publish that treats every warning as an error. Source it after setting $out (the output folder).

step() { # step NAME: prints how long the previous step took, then the new step's title
  local now; now=$(date +%s%N)
  [[ -n ${step_name:-} ]] && printf '   (%s: %.1f s)\n' "$step_name" "$(( (now - step_start) / 1000000 ))e-3"
  step_name=$1; step_start=$now
  [[ -n $1 ]] && echo "== $1"
  return 0
}
fail() { echo "FAILED: $*" >&2; exit 1; }

publish_aot() { # publish_aot PROJECT RID [extra msbuild args]: publishes into $out/RID, log in $out/publish-RID.log
  local project=$1 rid=$2; shift 2
  rm -rf "${out:?}/$rid"
  if ! dotnet publish "$project" -c Release -r "$rid" -warnaserror -o "$out/$rid" "$@" > "$out/publish-$rid.log" 2>&1; then
    grep -E 'error|warning' "$out/publish-$rid.log" | sort -u | head -40 >&2 || true
    fail "dotnet publish -r $rid (full log: $out/publish-$rid.log)"
  fi
  # Belt and braces: warnings are errors in this build, so none may appear in the log at all.
  if grep -E -i ': warning [A-Z]+[0-9]+' "$out/publish-$rid.log"; then fail "warnings in the $rid publish"; fi
  echo "$rid: published with 0 warnings -> $out/$rid"
}

script_start=$(date +%s%N)
step_start=$script_start
