// The fields every fixture manifest entry starts with (make-fixtures.mjs for QEMU 7.2,
// make-fixtures-qemu10.mjs for 10.0/11.1), in the manifests' order: which QEMU made the file, how,
// and with which QMP commands. Each script adds its own fields after these.

/** `made`: { machineType, qemuVersion, commandLine, qmp } of the run that made `spec.file`. */
export function fixtureEntry(spec, made) {
  return {
    file: spec.file,
    kind: spec.kind,
    machine: spec.machine,
    machineType: made.machineType,
    binary: spec.binary,
    qemuVersion: made.qemuVersion,
    args: spec.args,
    commandLine: made.commandLine,
    qmp: made.qmp,
    ...(spec.migrationCapabilities ? { migrationCapabilities: spec.migrationCapabilities } : {}),
    ...(spec.inputs ? { inputs: spec.inputs } : {}),
  };
}
