namespace Sandbox.Platforms.Kvm;

/// <summary>
/// The guest's ring-0 code, one page, written out byte by byte (the unit tests decode it with
/// Iced and check each instruction). Every way into ring 0 leaves the guest at once with an
/// `out imm8, al` to a port nobody emulates, so KVM_RUN returns KVM_EXIT_IO: the port says
/// which kind of exit it is, and no register is changed on the way. The Sentry then resumes
/// the vCPU at one of the resume stubs.
/// </summary>
internal static class EntryCode
{
    public const int SyscallPort = 0x10, FaultPort = 0x11;
    public const int Vectors = 32;

    // Offsets in the code page.
    public const int SyscallEntry = 0x00, Sysret = 0x10, Iret = 0x20, FlushIret = 0x30, FaultCommon = 0x40, VectorStubs = 0x80, VectorStubSize = 16;

    public static int VectorStub(int vector) => VectorStubs + vector * VectorStubSize;

    /// <summary>Vectors for which the CPU pushes an error code (Intel SDM vol. 3, table 6-1).</summary>
    public static bool HasErrorCode(int v) => v is 8 or 10 or 11 or 12 or 13 or 14 or 17 or 21 or 29 or 30;

    /// <summary>
    /// The fault frame on the IST1 stack when FaultPort exits, in qwords from the stack top down:
    /// ss, rsp, rflags, cs, rip (pushed by the CPU), error code (or 0), vector, cr2.
    /// </summary>
    public const int FaultFrameQwords = 8;

    /// <summary>The iretq frame a resume through Iret/FlushIret pops: rax, rip, cs, rflags, rsp, ss.</summary>
    public const int IretFrameQwords = 6;

    public static byte[] Build()
    {
        var code = new byte[GuestLayout.PageSize];
        code.AsSpan().Fill(0xcc); // int3 between stubs
        Put(code, SyscallEntry, 0xe6, SyscallPort, 0x0f, 0x0b);       // out SyscallPort, al; ud2
        Put(code, Sysret, 0x48, 0x0f, 0x07);                            // sysretq (rcx = rip, r11 = rflags)
        Put(code, Iret, 0x58, 0x48, 0xcf);                              // pop rax; iretq
        Put(code, FlushIret,
            0x0f, 0x20, 0xd8,                                           // mov rax, cr3
            0x0f, 0x22, 0xd8,                                           // mov cr3, rax (flushes the TLB)
            0x58, 0x48, 0xcf);                                          // pop rax; iretq
        Put(code, FaultCommon,
            0x50,                                                       // push rax
            0x0f, 0x20, 0xd0,                                           // mov rax, cr2
            0x48, 0x87, 0x04, 0x24,                                     // xchg [rsp], rax
            0xe6, FaultPort,                                            // out FaultPort, al
            0x0f, 0x0b);                                                // ud2
        for (int v = 0; v < Vectors; v++)
        {
            int at = VectorStub(v), p = at;
            if (!HasErrorCode(v)) { code[p++] = 0x6a; code[p++] = 0; }  // push 0
            code[p++] = 0x6a; code[p++] = (byte)v;                      // push vector
            int rel = FaultCommon - (p + 5);
            code[p++] = 0xe9;                                           // jmp FaultCommon
            BitConverter.TryWriteBytes(code.AsSpan(p), rel);
        }
        return code;
    }

    private static void Put(byte[] code, int at, params byte[] bytes) => bytes.CopyTo(code, at);
}
