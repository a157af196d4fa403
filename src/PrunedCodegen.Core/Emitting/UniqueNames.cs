using System;
using System.Collections.Generic;
using System.Globalization;

namespace PrunedCodegen.Emitting
{
    /// <summary>
    /// Hands out identifiers unique within one scope: a name already taken gets 2, 3, ... appended (the first free).
    /// Remembers where each base name's search stopped, so that thousands of names that sanitise to the same text
    /// cost linear time, not quadratic (a hostile model can make every output name collide).
    /// </summary>
    internal sealed class UniqueNames
    {
        private readonly HashSet<string> _taken = new HashSet<string>(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _nextSuffix = new Dictionary<string, int>(StringComparer.Ordinal);

        public UniqueNames(params string[] reserved)
        {
            foreach (var name in reserved) _taken.Add(name);
        }

        public string Take(string name)
        {
            if (_taken.Add(name)) return name;
            int i = _nextSuffix.TryGetValue(name, out int next) ? next : 2;
            string candidate;
            while (!_taken.Add(candidate = name + i.ToString(CultureInfo.InvariantCulture))) i++;
            _nextSuffix[name] = i + 1;
            return candidate;
        }
    }
}
