# A job's pushing outputs (sourced by bench-all.sh and capacity.sh): OUT="prometheus=URL
# influxdb=URL,db=k6" (space-separated, each as loadgen's --out) pushes every run of the job, its
# series labelled with the job (testid), the model and the workload.
#   out_args TESTID MODEL WORKLOAD   sets OUT_ARGS (--out ... for each item of OUT; none without OUT)
out_args() {
  local testid=$1 model=$2 workload=$3 item
  OUT_ARGS=()
  for item in ${OUT:-}; do
    OUT_ARGS+=(--out "$item,testid=$testid,label.model=$model,label.workload=$workload")
  done
}
