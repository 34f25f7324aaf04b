using System.Buffers.Binary;
using Sandbox.Linux;
using static Sandbox.Linux.Abi.Termios;

namespace Sandbox.Sentry.Vfs.Tty;

/// <summary>
/// The N_TTY line discipline (termios(3), Linux drivers/tty/n_tty.c for behaviour): input
/// processing with canonical editing, echo and signal characters; output post-processing. The
/// caller (<see cref="Pty"/>) holds its lock around every call.
/// </summary>
internal sealed class LineDiscipline
{
    /// <summary>Longest canonical line (MAX_CANON + 1 with the newline).</summary>
    private const int MaxCanon = 4095;
    private const int QueueSize = 64 << 10;

    public uint IFlag = ICRNL | IXON, OFlag = OPOST | ONLCR, CFlag = B38400 | CS8 | CREAD,
        LFlag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
    public uint ISpeed = 38400, OSpeed = 38400;
    public byte LineNo;
    public readonly byte[] Cc = DefaultCc.ToArray();

    /// <summary>Bytes the reader may take; in canonical mode only up to the last completed line.</summary>
    private readonly ByteRing _input = new(QueueSize);
    /// <summary>Lengths of the completed lines at the front of _input (canonical mode); 0 = end of file.</summary>
    private readonly Queue<int> _lines = new();
    private int _firstLineTaken;
    /// <summary>The line being edited (canonical mode), not yet readable.</summary>
    private readonly ByteRing _edit = new(MaxCanon + 1);
    private readonly ByteRing _output = new(QueueSize);
    private bool _literalNext;
    private int _echoMark;

    /// <summary>Output stopped by VSTOP (IXON) or TCOOFF.</summary>
    public bool Stopped;

    public bool Canonical => (LFlag & ICANON) != 0;
    public int OutputCount => _output.Count;
    public int OutputFree => _output.Free;
    public int InputFree => _input.Free;

    /// <summary>Bytes a read would find now (FIONREAD): complete lines in canonical mode.</summary>
    public int Readable
    {
        get
        {
            if (!Canonical) return _input.Count;
            int n = 0;
            foreach (int l in _lines) n += l;
            return n - _firstLineTaken;
        }
    }

    /// <summary>Whether a read would not block: a line (or end of file) in canonical mode, else <paramref name="min"/> bytes.</summary>
    public bool HasInput(int min) => Canonical ? _lines.Count > 0 : _input.Count >= Math.Max(1, min);

    public int Min => Cc[VMIN];
    public int Time => Cc[VTIME];

    // ---- termios ----

    public void GetTermios(Span<byte> dst, bool v2)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(dst, IFlag);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[4..], OFlag);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[8..], CFlag);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[12..], LFlag);
        dst[LineOffset] = LineNo;
        Cc.CopyTo(dst[CcOffset..]);
        if (v2)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(dst[36..], ISpeed);
            BinaryPrimitives.WriteUInt32LittleEndian(dst[40..], OSpeed);
        }
    }

    public void SetTermios(ReadOnlySpan<byte> src, bool v2)
    {
        bool wasCanon = Canonical;
        IFlag = BinaryPrimitives.ReadUInt32LittleEndian(src);
        OFlag = BinaryPrimitives.ReadUInt32LittleEndian(src[4..]);
        CFlag = BinaryPrimitives.ReadUInt32LittleEndian(src[8..]);
        LFlag = BinaryPrimitives.ReadUInt32LittleEndian(src[12..]);
        LineNo = src[LineOffset];
        src.Slice(CcOffset, NCCS).CopyTo(Cc);
        if (v2)
        {
            ISpeed = BinaryPrimitives.ReadUInt32LittleEndian(src[36..]);
            OSpeed = BinaryPrimitives.ReadUInt32LittleEndian(src[40..]);
        }
        if ((IFlag & IXON) == 0) Stopped = false;
        if (wasCanon && !Canonical)
        {
            // Leaving canonical mode: the half-typed line becomes readable as it is.
            Span<byte> tmp = stackalloc byte[_edit.Count];
            _edit.Read(tmp);
            _input.Write(tmp);
            _lines.Clear();
            _firstLineTaken = 0;
        }
        else if (!wasCanon && Canonical && _input.Count > 0)
        {
            _lines.Clear();
            _lines.Enqueue(_input.Count);
            _firstLineTaken = 0;
        }
    }

    public void FlushInput() { _input.Clear(); _edit.Clear(); _lines.Clear(); _firstLineTaken = 0; _literalNext = false; }
    public void FlushOutput() => _output.Clear();

    // ---- reading ----

    /// <summary>Takes input for a reader. Canonical mode: at most the rest of one line.</summary>
    public int ReadInput(Span<byte> dst)
    {
        if (!Canonical) return _input.Read(dst);
        if (_lines.Count == 0) return 0;
        int left = _lines.Peek() - _firstLineTaken;
        int n = _input.Read(dst[..Math.Min(dst.Length, left)]);
        _firstLineTaken += n;
        if (_firstLineTaken == _lines.Peek()) { _lines.Dequeue(); _firstLineTaken = 0; }
        return n;
    }

    public int ReadOutput(Span<byte> dst) => _output.Read(dst);

    // ---- input processing ----

    /// <summary>
    /// Processes bytes typed at the terminal (written to the master). Returns how many were
    /// taken (fewer when the input queue is full) and the signal an ISIG character raised (0 if none).
    /// </summary>
    public int Receive(ReadOnlySpan<byte> src, out int signal)
    {
        signal = 0;
        _echoMark = _output.Count;
        int i = 0;
        for (; i < src.Length; i++)
        {
            if (!Canonical && _input.Free == 0) break;
            if (Canonical && _input.Free <= _edit.Count) break;
            int sig = ReceiveByte(src[i]);
            if (sig != 0) { signal = sig; i++; break; }
        }
        return i;
    }

    private bool Is(byte c, int index) => Cc[index] != 0 && c == Cc[index]; // _POSIX_VDISABLE is 0

    private int ReceiveByte(byte c)
    {
        if ((IFlag & ISTRIP) != 0) c &= 0x7f;
        if (_literalNext)
        {
            _literalNext = false;
            if (Canonical && (LFlag & ECHO) != 0 && (LFlag & ECHOCTL) != 0) { PutOutputRaw((byte)'\b'); }
            Store(c, echo: true);
            return 0;
        }
        if ((IFlag & IXON) != 0)
        {
            if (Is(c, VSTOP)) { Stopped = true; return 0; }
            if (Is(c, VSTART)) { Stopped = false; return 0; }
            if ((IFlag & IXANY) != 0) Stopped = false;
        }
        if ((LFlag & ISIG) != 0)
        {
            int sig = Is(c, VINTR) ? Signals.SIGINT : Is(c, VQUIT) ? Signals.SIGQUIT : Is(c, VSUSP) ? Signals.SIGTSTP : 0;
            if (sig != 0)
            {
                // Typed-ahead input goes; output already written stays readable by the master, as
                // on Linux where it has reached the master's own read buffer.
                if ((LFlag & NOFLSH) == 0)
                {
                    FlushInput();
                    // Echoes of this batch not yet shown are dropped with it (n_tty's echo buffer).
                    while (_output.Count > _echoMark) _output.PopLast();
                }
                if ((LFlag & ECHO) != 0) EchoChar(c);
                return sig;
            }
        }
        if (c == '\r')
        {
            if ((IFlag & IGNCR) != 0) return 0;
            if ((IFlag & ICRNL) != 0) c = (byte)'\n';
        }
        else if (c == '\n' && (IFlag & INLCR) != 0) c = (byte)'\r';

        if (!Canonical)
        {
            Store(c, echo: true);
            return 0;
        }
        bool iexten = (LFlag & IEXTEN) != 0;
        if (Is(c, VERASE) || Is(c, VKILL) || (iexten && Is(c, VWERASE)))
        {
            Erase(c);
            return 0;
        }
        if (iexten && Is(c, VLNEXT))
        {
            _literalNext = true;
            if ((LFlag & ECHO) != 0 && (LFlag & ECHOCTL) != 0) { PutOutputRaw((byte)'^'); }
            return 0;
        }
        if (iexten && Is(c, VREPRINT) && (LFlag & ECHO) != 0)
        {
            EchoChar(c);
            Echo((byte)'\n');
            for (int k = _edit.Count - 1; k >= 0; k--) EchoChar(_edit.PeekLast(k));
            return 0;
        }
        if (c == '\n')
        {
            if ((LFlag & (ECHO | ECHONL)) != 0) Echo((byte)'\n');
            _edit.Put(c);
            CommitLine();
            return 0;
        }
        if (Is(c, VEOF))
        {
            CommitLine();
            return 0;
        }
        if (Is(c, VEOL) || (iexten && Is(c, VEOL2)))
        {
            if ((LFlag & ECHO) != 0) EchoChar(c);
            _edit.Put(c);
            CommitLine();
            return 0;
        }
        if (_edit.Count >= MaxCanon) return 0; // the line is full: further characters are lost
        if ((LFlag & ECHO) != 0) EchoChar(c);
        _edit.Put(c);
        return 0;
    }

    private void Store(byte c, bool echo)
    {
        if (echo && (LFlag & ECHO) != 0) EchoChar(c);
        else if (echo && c == '\n' && Canonical && (LFlag & ECHONL) != 0) Echo(c);
        if (Canonical) { if (_edit.Count < MaxCanon) _edit.Put(c); }
        else _input.Put(c);
    }

    private void CommitLine()
    {
        int n = _edit.Count;
        Span<byte> tmp = stackalloc byte[n];
        _edit.Read(tmp);
        _input.Write(tmp);
        _lines.Enqueue(n);
    }

    private static bool IsControl(byte c) => c < 0x20 || c == 0x7f;

    private void Erase(byte c)
    {
        bool kill = Is(c, VKILL), word = !kill && !Is(c, VERASE);
        bool echo = (LFlag & ECHO) != 0;
        if (kill && echo && (LFlag & ECHOKE) == 0)
        {
            // Without ECHOKE the line is not wiped on screen: the kill character is shown, then a newline (ECHOK).
            _edit.Clear();
            EchoChar(c);
            if ((LFlag & ECHOK) != 0) Echo((byte)'\n');
            return;
        }
        if (!kill && !word && echo && (LFlag & ECHOE) == 0)
        {
            if (_edit.Count > 0) RemoveLastChar();
            EchoChar(c);
            return;
        }
        bool seenWord = false;
        while (_edit.Count > 0)
        {
            byte last = _edit.PeekLast(0);
            if (word)
            {
                bool alnum = char.IsAsciiLetterOrDigit((char)last) || last == '_';
                if (alnum) seenWord = true;
                else if (seenWord) break;
            }
            int removed = RemoveLastChar();
            if (echo) WipeOnScreen(removed);
            if (!kill && !word) break;
        }
    }

    /// <summary>Removes the last character (a whole UTF-8 sequence with IUTF8); returns its first byte.</summary>
    private int RemoveLastChar()
    {
        int b = _edit.PopLast();
        if ((IFlag & IUTF8) != 0)
            while (b >= 0 && (b & 0xc0) == 0x80 && _edit.Count > 0) b = _edit.PopLast();
        return b;
    }

    private void WipeOnScreen(int removed)
    {
        if (removed < 0) return;
        int cols = removed == '\t' ? 1 : IsControl((byte)removed) && (LFlag & ECHOCTL) != 0 ? 2 : 1;
        for (int k = 0; k < cols; k++) { PutOutputRaw((byte)'\b'); PutOutputRaw((byte)' '); PutOutputRaw((byte)'\b'); }
    }

    /// <summary>Echoes a typed character: control characters as ^X with ECHOCTL (not tab or newline).</summary>
    private void EchoChar(byte c)
    {
        if ((LFlag & ECHOCTL) != 0 && IsControl(c) && c != '\t' && c != '\n')
        {
            PutOutputRaw((byte)'^');
            PutOutputRaw((byte)(c ^ 0x40));
            return;
        }
        Echo(c);
    }

    private void Echo(byte c) => Output(new ReadOnlySpan<byte>(in c));

    private void PutOutputRaw(byte c) => _output.Put(c);

    // ---- output processing ----

    /// <summary>Output post-processing (OPOST) into the queue the master reads. Returns bytes of src consumed.</summary>
    public int Output(ReadOnlySpan<byte> src)
    {
        if ((OFlag & OPOST) == 0) return _output.Write(src);
        int i = 0;
        for (; i < src.Length; i++)
        {
            byte c = src[i];
            if (c == '\n' && (OFlag & ONLCR) != 0)
            {
                if (_output.Free < 2) break;
                _output.Put((byte)'\r');
                _output.Put((byte)'\n');
                continue;
            }
            if (c == '\r' && (OFlag & OCRNL) != 0) c = (byte)'\n';
            if ((OFlag & OLCUC) != 0 && c is >= (byte)'a' and <= (byte)'z') c = (byte)(c - 32);
            if (!_output.Put(c)) break;
        }
        return i;
    }
}
