/**
 * @module A seccomp filter for plugin processes (classic BPF, loaded by bubblewrap's --seccomp):
 * no new user namespaces (which would hand a plugin every capability inside one, and with them
 * the kernel's mount, netfilter and other interfaces), and none of the kernel interfaces a plugin
 * has no use for and that are a frequent way into the kernel: keyrings, bpf, perf events,
 * userfaultfd, io_uring, ptrace, mounts. A refused call fails with EPERM (ENOSYS where a caller
 * is known to fall back, as glibc does from clone3 to clone); everything else is allowed.
 */

interface Arch {
  /** AUDIT_ARCH_* of the 64-bit ABI; any other ABI (i386 through int 0x80, say) is refused. */
  readonly audit: number;
  readonly clone: number;
  readonly clone3: number;
  readonly unshare: number;
  readonly refused: readonly number[];
  /** x32 shares the x86-64 audit arch; its calls carry this bit and are refused. */
  readonly x32Bit?: number;
}

const ARCHES: Readonly<Partial<Record<NodeJS.Architecture, Arch>>> = {
  x64: {
    audit: 0xc000003e,
    clone: 56,
    clone3: 435,
    unshare: 272,
    // ptrace, mount, umount2, pivot_root, add_key, request_key, keyctl, perf_event_open, setns,
    // bpf, userfaultfd, io_uring_setup/enter/register, open_tree, move_mount, fsopen, fsconfig,
    // fsmount, fspick, kexec_load, init_module, finit_module
    refused: [
      101, 165, 166, 155, 248, 249, 250, 298, 308, 321, 323, 425, 426, 427, 428, 429, 430, 431, 432,
      433, 246, 175, 313,
    ],
    x32Bit: 0x40000000,
  },
  arm64: {
    audit: 0xc00000b7,
    clone: 220,
    clone3: 435,
    unshare: 97,
    refused: [
      117, 40, 39, 41, 217, 218, 219, 241, 268, 280, 282, 425, 426, 427, 428, 429, 430, 431, 432,
      433, 104, 105, 273,
    ],
  },
};

const CLONE_NEWUSER = 0x10000000;
const EPERM = 1;
const ENOSYS = 38;

const LD_ABS_W = 0x20;
const JEQ = 0x15;
const JGE = 0x35;
const JSET = 0x45;
const RET = 0x06;
const RET_ALLOW = 0x7fff0000;
const retErrno = (errno: number): number => 0x00050000 | errno;

/** offsetof(struct seccomp_data, …): the call number, the arch, the first argument's low word. */
const NR = 0;
const ARCH = 4;
const ARG0_LOW = 16;

type Instruction =
  | { readonly op: number; readonly k: number }
  | { readonly op: number; readonly k: number; readonly yes: string; readonly no: string }
  | { readonly label: string };

/** The filter for this machine's architecture; undefined where none is known (reported). */
export function seccompFilter(arch: NodeJS.Architecture = process.arch): Buffer | undefined {
  const table = ARCHES[arch];
  if (table === undefined) {
    return undefined;
  }
  const program: Instruction[] = [
    { op: LD_ABS_W, k: ARCH },
    { op: JEQ, k: table.audit, yes: 'native', no: 'nosys' },
    { label: 'native' },
    { op: LD_ABS_W, k: NR },
    ...(table.x32Bit === undefined
      ? []
      : [{ op: JGE, k: table.x32Bit, yes: 'nosys', no: 'next-x32' }, { label: 'next-x32' }]),
    { op: JEQ, k: table.clone3, yes: 'nosys', no: 'not-clone3' },
    { label: 'not-clone3' },
    { op: JEQ, k: table.clone, yes: 'flags', no: 'not-clone' },
    { label: 'not-clone' },
    { op: JEQ, k: table.unshare, yes: 'flags', no: 'not-unshare' },
    { label: 'not-unshare' },
    ...table.refused.flatMap((nr, i): Instruction[] => [
      { op: JEQ, k: nr, yes: 'eperm', no: `refused-${String(i)}` },
      { label: `refused-${String(i)}` },
    ]),
    { op: RET, k: RET_ALLOW },
    { label: 'flags' },
    { op: LD_ABS_W, k: ARG0_LOW },
    { op: JSET, k: CLONE_NEWUSER, yes: 'eperm', no: 'allow' },
    { label: 'allow' },
    { op: RET, k: RET_ALLOW },
    { label: 'eperm' },
    { op: RET, k: retErrno(EPERM) },
    { label: 'nosys' },
    { op: RET, k: retErrno(ENOSYS) },
  ];
  return assemble(program);
}

/** Resolves labels into relative jumps and writes struct sock_filter entries (8 bytes each). */
function assemble(program: readonly Instruction[]): Buffer {
  const at = new Map<string, number>();
  let index = 0;
  for (const item of program) {
    if ('label' in item) {
      at.set(item.label, index);
    } else {
      index += 1;
    }
  }
  const out = Buffer.alloc(index * 8);
  index = 0;
  for (const item of program) {
    if ('label' in item) {
      continue;
    }
    const jump = (label: string): number => {
      const offset = (at.get(label) ?? Number.NaN) - index - 1;
      if (!Number.isInteger(offset) || offset < 0 || offset > 255) {
        throw new RangeError(`seccomp jump to ${label} out of range`);
      }
      return offset;
    };
    out.writeUInt16LE(item.op, index * 8);
    out.writeUInt8('yes' in item ? jump(item.yes) : 0, index * 8 + 2);
    out.writeUInt8('no' in item ? jump(item.no) : 0, index * 8 + 3);
    out.writeUInt32LE(item.k >>> 0, index * 8 + 4);
    index += 1;
  }
  return out;
}
