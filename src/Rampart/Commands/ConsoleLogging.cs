using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Rampart.Configuration;
using Rampart.Tracking;

namespace Rampart.Commands;

/// <summary>The gateway's log: the console (stdout, which systemd hands to journald), as text or as JSON lines.</summary>
public static class ConsoleLogging
{
    private const string Timestamp = "yyyy-MM-ddTHH:mm:ss.fffZ";

    public static ILoggerFactory Create(LogLevel level, LogFormat format) => LoggerFactory.Create(b =>
    {
        b.SetMinimumLevel(level);
        // Message tracking hears the catalogue's events on this factory (Gateway/GatewayTracking adds it at start):
        // its own rule, so a console at Warning does not silence them (a LoggerMessage asks IsEnabled first).
        b.AddFilter<TrackingLoggerProvider>(null, TrackingLoggerProvider.MinimumLevel);
        if (format == LogFormat.Json)
        {
            // One object per line, each event's fields under "State", so a shipper needs no pattern to take a
            // line apart. The relaxed encoder keeps UTF-8 addresses readable; it still escapes every control, and
            // outside text reaches a logger already escaped (Rampart.Mail.LogText).
            b.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = Timestamp;
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            });
        }
        else
        {
            b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = Timestamp + " ";
                o.UseUtcTimestamp = true;
            });
        }
    });
}
