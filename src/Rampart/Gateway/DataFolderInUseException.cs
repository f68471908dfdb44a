namespace Rampart.Gateway;

/// <summary>Another running Rampart holds the data folder's lock: not a configuration error, a start refused.</summary>
public sealed class DataFolderInUseException(string message) : Exception(message);
