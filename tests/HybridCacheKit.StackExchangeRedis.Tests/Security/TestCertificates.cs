using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace HybridCacheKit.StackExchangeRedis.Tests.Security;

/// <summary>A throwaway certificate authority and a server certificate it signed (CN=localhost, SAN localhost and 127.0.0.1), made with openssl.</summary>
internal sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory)
    {
        Directory = directory;
        Authority = X509CertificateLoader.LoadCertificateFromFile(CaCertificateFile);
    }

    public string Directory { get; }

    public string CaCertificateFile => Path.Combine(Directory, "ca.crt");

    public string ServerCertificateFile => Path.Combine(Directory, "server.crt");

    public string ServerKeyFile => Path.Combine(Directory, "server.key");

    public X509Certificate2 Authority { get; }

    /// <summary>redis-server arguments: TLS only, on the chosen port, no client certificates required.</summary>
    public string[] ServerArguments =>
    [
        "--port", "0", "--tls-port", "{port}",
        "--tls-cert-file", ServerCertificateFile, "--tls-key-file", ServerKeyFile, "--tls-ca-cert-file", CaCertificateFile,
        "--tls-auth-clients", "no",
    ];

    public static async Task<TestCertificates> CreateAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "hybridcachekit-tls-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
        await OpenSslAsync(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=HybridCacheKit Test CA");
        await OpenSslAsync(directory, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
        await OpenSslAsync(directory, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext");
        return new TestCertificates(directory);
    }

    /// <summary>
    /// A <see cref="RemoteCertificateValidationCallback"/> that accepts a certificate the system already trusts, or one
    /// whose only fault is that its chain ends at <see cref="Authority"/> instead of a system root.
    /// </summary>
    public bool TrustAuthority(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(Authority);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }

    public void Dispose()
    {
        Authority.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static async Task OpenSslAsync(string directory, params string[] args)
    {
        var startInfo = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(startInfo)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("The TLS tests make their certificates with openssl, which could not be started (apt-get install -y openssl).", ex);
        }

        using var started = process;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed: {await stderr}");
        }
    }
}
