using System.ComponentModel;
using System.Runtime.InteropServices;

namespace HybridCacheKit.TestUtilities.Redis;

/// <summary>Sends POSIX signals; .NET can handle signals but has no API to send SIGSTOP/SIGCONT/SIGTERM.</summary>
internal static partial class PosixSignals
{
    // Linux numbering (identical on x64 and arm64).
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    public static void Send(int pid, int signal)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Sending signals is implemented for Linux only.");
        }

        if (Kill(pid, signal) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({pid}, {signal}) failed.");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int sig);
}
