using Microsoft.Extensions.Logging;
using Rampart.Configuration;
using Rampart.Mail;

namespace Rampart.Gateway;

/// <summary>
/// SIGHUP: read and check the whole configuration again, as at a start; apply it if it is good, otherwise keep the
/// running one and say why (file, line and key, as check-config does). Reloads run one at a time, in the order asked.
/// </summary>
public sealed partial class Reloader(Gateway gateway, string? path, ILogger logger)
{
    private readonly SemaphoreSlim oneAtATime = new(1, 1);

    /// <summary>From the signal handler: starts a reload and returns at once.</summary>
    public void Request() => _ = ReloadAsync();

    /// <summary>True when the new configuration was applied (keys that need a restart aside).</summary>
    public async Task<bool> ReloadAsync()
    {
        await oneAtATime.WaitAsync();
        try
        {
            var source = path ?? ConfigLoader.EmbeddedName;
            ReloadLog.ReloadReading(logger, source);
            GatewayOptions next;
            try
            {
                next = ConfigLoader.Load(path);
            }
            catch (ConfigException ex)
            {
                ReloadLog.ReloadRefused(logger, ex.Message);
                return false;
            }
            IReadOnlyList<string> restart;
            try
            {
                restart = await gateway.ReloadAsync(next);
            }
            catch (ConfigException ex)
            {
                // A certificate that passed the check but cannot be loaded (bad PEM, a key that does not match).
                ReloadLog.ReloadRefused(logger, ex.Message);
                return false;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                // A file the build reads (a CA bundle, a client certificate, a drop folder to create) that fails.
                ReloadLog.ReloadRefused(logger, $"{source}: {ex.Message}");
                return false;
            }
            catch (ObjectDisposedException)
            {
                ReloadLog.ReloadWhileStopping(logger);
                return false;
            }
            catch (Exception ex)
            {
                // A fault of ours, not of the file: said as such, and the process goes on. Everything that can fail on a
                // good file (certificates, folders) fails in the build, before the swap, so this leaves the old configuration.
                ReloadLog.ReloadFailed(logger, ex);
                return false;
            }
            ReloadLog.ReloadApplied(logger, source);
            if (restart.Count > 0) ReloadLog.ReloadNeedsRestart(logger, string.Join(", ", restart));
            return true;
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private static partial class ReloadLog
    {
        [LoggerMessage(EventCatalogue.ReloadReading, LogLevel.Information, "Reload: reading {Source}")]
        public static partial void ReloadReading(ILogger logger, string source);

        [LoggerMessage(EventCatalogue.ReloadRefused, LogLevel.Error, "Reload refused, the running configuration stays: {Error}")]
        public static partial void ReloadRefused(ILogger logger, string error);

        [LoggerMessage(EventCatalogue.ReloadApplied, LogLevel.Information,
            "Reloaded {Source}: new sessions and the next delivery attempts use it; open sessions finish with the configuration they started with")]
        public static partial void ReloadApplied(ILogger logger, string source);

        [LoggerMessage(EventCatalogue.ReloadWhileStopping, LogLevel.Information, "Reload ignored: stopping")]
        public static partial void ReloadWhileStopping(ILogger logger);

        [LoggerMessage(EventCatalogue.ReloadFailed, LogLevel.Error, "Reload failed by a fault of the gateway, not of the file")]
        public static partial void ReloadFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventCatalogue.ReloadNeedsRestart, LogLevel.Warning, "Reload: these changes need a restart and are not applied yet: {Keys}")]
        public static partial void ReloadNeedsRestart(ILogger logger, string keys);
    }
}
