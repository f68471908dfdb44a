namespace Rampart.Configuration;

/// <summary>A configuration mistake, already phrased for the administrator: where, which key, what is wrong.</summary>
public sealed class ConfigException(string message) : Exception(message);
