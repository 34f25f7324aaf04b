namespace Sandbox.Linux.Abi;

/// <summary>
/// The terminal ABI: struct termios bits (asm-generic/termbits.h), control character indexes,
/// and the tty ioctls of asm-generic/ioctls.h.
/// </summary>
public static class Termios
{
    // c_iflag
    public const uint IGNBRK = 0x1, BRKINT = 0x2, IGNPAR = 0x4, PARMRK = 0x8, INPCK = 0x10, ISTRIP = 0x20,
        INLCR = 0x40, IGNCR = 0x80, ICRNL = 0x100, IUCLC = 0x200, IXON = 0x400, IXANY = 0x800,
        IXOFF = 0x1000, IMAXBEL = 0x2000, IUTF8 = 0x4000;
    // c_oflag
    public const uint OPOST = 0x1, OLCUC = 0x2, ONLCR = 0x4, OCRNL = 0x8, ONOCR = 0x10, ONLRET = 0x20;
    // c_cflag
    public const uint B38400 = 0xf, CS8 = 0x30, CREAD = 0x80, HUPCL = 0x400;
    // c_lflag
    public const uint ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, ECHOE = 0x10, ECHOK = 0x20, ECHONL = 0x40,
        NOFLSH = 0x80, TOSTOP = 0x100, ECHOCTL = 0x200, ECHOPRT = 0x400, ECHOKE = 0x800, IEXTEN = 0x8000;

    // c_cc indexes
    public const int VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6, VSWTC = 7,
        VSTART = 8, VSTOP = 9, VSUSP = 10, VEOL = 11, VREPRINT = 12, VDISCARD = 13, VWERASE = 14,
        VLNEXT = 15, VEOL2 = 16, NCCS = 19;

    /// <summary>Offsets in struct termios: four flag words, c_line, then c_cc[19]; termios2 adds two speeds.</summary>
    public const int LineOffset = 16, CcOffset = 17, Size = 36, Size2 = 44;

    // ioctls (asm-generic/ioctls.h)
    public const uint TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404,
        TCGETA = 0x5405, TCSETA = 0x5406, TCSETAW = 0x5407, TCSETAF = 0x5408,
        TCSBRK = 0x5409, TCXONC = 0x540A, TCFLSH = 0x540B, TIOCEXCL = 0x540C, TIOCNXCL = 0x540D,
        TIOCSCTTY = 0x540E, TIOCGPGRP = 0x540F, TIOCSPGRP = 0x5410, TIOCOUTQ = 0x5411, TIOCSTI = 0x5412,
        TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, TIOCMGET = 0x5415, TIOCINQ = 0x541B,
        TIOCPKT = 0x5420, TIOCNOTTY = 0x5422, TIOCSETD = 0x5423, TIOCGETD = 0x5424, TCSBRKP = 0x5425,
        TIOCSBRK = 0x5427, TIOCCBRK = 0x5428, TIOCGSID = 0x5429,
        TCGETS2 = 0x802C542A, TCSETS2 = 0x402C542B, TCSETSW2 = 0x402C542C, TCSETSF2 = 0x402C542D,
        TIOCGPTN = 0x80045430, TIOCSPTLCK = 0x40045431, TIOCGDEV = 0x80045432, TIOCVHANGUP = 0x5437,
        TIOCGPKT = 0x80045438, TIOCGPTLCK = 0x80045439, TIOCGEXCL = 0x80045440, TIOCGPTPEER = 0x5441;

    /// <summary>TCFLSH / TCXONC arguments.</summary>
    public const int TCIFLUSH = 0, TCOFLUSH = 1, TCIOFLUSH = 2, TCOOFF = 0, TCOON = 1, TCIOFF = 2, TCION = 3;

    /// <summary>TIOCPKT status bits (tty_ioctl(4)).</summary>
    public const byte TIOCPKT_DATA = 0, TIOCPKT_FLUSHREAD = 1, TIOCPKT_FLUSHWRITE = 2, TIOCPKT_STOP = 4, TIOCPKT_START = 8;

    /// <summary>Device numbers: /dev/tty 5:0, /dev/ptmx 5:2, replicas 136:N.</summary>
    public const uint TtyMajor = 5, PtmxMinor = 2, PtsMajor = 136;

    /// <summary>The control characters a new terminal starts with (^C ^\ DEL ^U ^D 0 1 0 ^Q ^S ^Z 0 ^R ^O ^W ^V 0).</summary>
    public static ReadOnlySpan<byte> DefaultCc => [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0];
}
