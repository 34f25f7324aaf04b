namespace Sandbox.Sentry.Kernel.Seccomp;

/// <summary>
/// `runtime/default` (also `docker/default`): what container runtimes' default profile keeps
/// from a container, written as a deny list in docker's format. Calls that need a capability
/// are refused (EPERM) unless the container holds it; kernel-global ones always; clone3 answers
/// ENOSYS (so that C libraries fall back to clone, whose namespace flags are then checked).
/// </summary>
public static class RuntimeDefaultProfile
{
    public const string Json = """
        {
          "defaultAction": "SCMP_ACT_ALLOW",
          "architectures": ["SCMP_ARCH_X86_64"],
          "syscalls": [
            { "names": ["add_key", "keyctl", "request_key", "kexec_load", "kexec_file_load", "swapon", "swapoff",
                        "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl", "get_kernel_syms", "query_module",
                        "create_module", "lookup_dcookie", "move_pages", "userfaultfd", "afs_syscall", "tuxcall",
                        "security", "vserver", "putpmsg", "getpmsg"],
              "action": "SCMP_ACT_ERRNO" },
            { "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 0, "value": 0, "op": "SCMP_CMP_EQ" } ] },
            { "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 0, "value": 8, "op": "SCMP_CMP_EQ" } ] },
            { "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 0, "value": 131072, "op": "SCMP_CMP_EQ" } ] },
            { "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 0, "value": 131080, "op": "SCMP_CMP_EQ" } ] },
            { "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ" } ] },
            { "names": ["personality"], "action": "SCMP_ACT_ERRNO" },
            { "names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ" } ] },
            { "names": ["clone"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYS_ADMIN"] } },
            { "names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": { "caps": ["CAP_SYS_ADMIN"] } },
            { "names": ["mount", "umount", "umount2", "unshare", "setns", "pivot_root", "quotactl", "quotactl_fd",
                        "fanotify_init", "name_to_handle_at", "fsconfig", "fsmount", "fsopen", "fspick", "move_mount",
                        "open_tree", "mount_setattr"],
              "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYS_ADMIN"] } },
            { "names": ["open_by_handle_at"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_DAC_READ_SEARCH"] } },
            { "names": ["bpf"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_BPF"] } },
            { "names": ["perf_event_open"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_PERFMON"] } },
            { "names": ["reboot"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYS_BOOT"] } },
            { "names": ["chroot"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYS_CHROOT"] } },
            { "names": ["delete_module", "init_module", "finit_module"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYS_MODULE"] } },
            { "names": ["acct"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYS_PACCT"] } },
            { "names": ["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"],
              "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYS_PTRACE"] } },
            { "names": ["iopl", "ioperm"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYS_RAWIO"] } },
            { "names": ["settimeofday", "stime", "clock_settime", "clock_adjtime"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYS_TIME"] } },
            { "names": ["vhangup"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYS_TTY_CONFIG"] } },
            { "names": ["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYS_NICE"] } },
            { "names": ["syslog"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYSLOG"] } }
          ]
        }
        """;
}
