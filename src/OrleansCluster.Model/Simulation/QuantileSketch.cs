namespace OrleansCluster.Model.Simulation;

/// <summary>
/// A mergeable quantile sketch of positive values with bounded relative error (log-spaced buckets, as
/// DDSketch does): any quantile it returns is within <see cref="RelativeAccuracy"/> of a value of the
/// right rank. Blocks of nodes each sketch their compute times; coordinators merge the sketches, so the
/// cluster median needs no copy of every node's time.
/// </summary>
public sealed class QuantileSketch
{
    /// <summary>Relative accuracy alpha: 0.05 %.</summary>
    public const double RelativeAccuracy = 0.0005;

    private const int InitialCapacity = 64;
    private static readonly double Gamma = (1 + RelativeAccuracy) / (1 - RelativeAccuracy);
    private static readonly double InverseLogGamma = 1 / Math.Log(Gamma);

    private long[] _counts = [];
    private int _offset;
    private int _minIndex = int.MaxValue;
    private int _maxIndex = int.MinValue;

    /// <summary>Values added.</summary>
    public long Count { get; private set; }

    /// <summary>
    /// Lowest bucket index in use, and the counts from there to the highest (for transport: a block's sketch goes up
    /// the barrier tree at every step, so the counts go as 32-bit integers, half the bytes; a bucket holds at most a
    /// group's nodes, whose count is an <see cref="int"/> too).
    /// </summary>
    public (int FirstIndex, int[] Counts) Export()
    {
        if (Count == 0)
        {
            return (0, []);
        }

        var counts = new int[_maxIndex - _minIndex + 1];
        var from = _counts.AsSpan(_minIndex - _offset, counts.Length);
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = checked((int)from[i]);
        }

        return (_minIndex, counts);
    }

    /// <summary>Rebuilds a sketch from <see cref="Export"/>'s output.</summary>
    public static QuantileSketch Import(int firstIndex, ReadOnlySpan<int> counts)
    {
        var sketch = new QuantileSketch();
        sketch.Merge(firstIndex, counts);
        return sketch;
    }

    /// <summary>Adds <see cref="Export"/>'s output of another sketch, without building that sketch.</summary>
    public void Merge(int firstIndex, ReadOnlySpan<int> counts)
    {
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] > 0)
            {
                AddToBucket(firstIndex + i, counts[i]);
            }
        }
    }

    /// <summary>The bucket a value falls in.</summary>
    public static int BucketOf(double value) => (int)Math.Ceiling(Math.Log(value) * InverseLogGamma);

    /// <summary>The value a bucket stands for: within alpha of every value in it.</summary>
    public static double ValueOf(int bucket) => 2 * Math.Pow(Gamma, bucket) / (Gamma + 1);

    /// <summary>Adds a positive, finite value.</summary>
    public void Add(double value)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "the sketch holds positive finite values");
        }

        AddToBucket(BucketOf(value), 1);
    }

    /// <summary>Adds every value of <paramref name="other"/>.</summary>
    public void Merge(QuantileSketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = other._minIndex; other.Count > 0 && i <= other._maxIndex; i++)
        {
            var c = other._counts[i - other._offset];
            if (c > 0)
            {
                AddToBucket(i, c);
            }
        }
    }

    /// <summary>Empties the sketch, keeping its buffer.</summary>
    public void Clear()
    {
        if (Count > 0)
        {
            Array.Clear(_counts, _minIndex - _offset, _maxIndex - _minIndex + 1);
        }

        Count = 0;
        _minIndex = int.MaxValue;
        _maxIndex = int.MinValue;
    }

    /// <summary>
    /// The value at quantile <paramref name="q"/> (0..1), lower rank for even counts (the median of
    /// 1, 2, 3, 4 is 2); NaN when empty.
    /// </summary>
    public double Quantile(double q) => Count == 0 ? double.NaN : ValueOf(QuantileBucket(q));

    /// <summary>The bucket holding quantile <paramref name="q"/>; the sketch must not be empty.</summary>
    public int QuantileBucket(double q)
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("the sketch is empty");
        }

        var rank = (long)Math.Floor(q * (Count - 1));
        long seen = 0;
        for (var i = _minIndex; i <= _maxIndex; i++)
        {
            seen += _counts[i - _offset];
            if (seen > rank)
            {
                return i;
            }
        }

        return _maxIndex;
    }

    /// <summary>How many values lie above <paramref name="threshold"/> (to the sketch's accuracy).</summary>
    public long CountAbove(double threshold)
    {
        if (Count == 0)
        {
            return 0;
        }

        long above = 0;
        for (var i = Math.Max(_minIndex, BucketOf(threshold)); i <= _maxIndex; i++)
        {
            if (ValueOf(i) > threshold)
            {
                above += _counts[i - _offset];
            }
        }

        return above;
    }

    private void AddToBucket(int index, long count)
    {
        if (_counts.Length == 0)
        {
            _counts = new long[InitialCapacity];
            _offset = index - (InitialCapacity / 2);
        }
        else if (index < _offset || index >= _offset + _counts.Length)
        {
            Grow(index);
        }

        _counts[index - _offset] += count;
        Count += count;
        if (index < _minIndex)
        {
            _minIndex = index;
        }

        if (index > _maxIndex)
        {
            _maxIndex = index;
        }
    }

    private void Grow(int index)
    {
        var low = Math.Min(index, _offset);
        var high = Math.Max(index, _offset + _counts.Length - 1);
        var length = Math.Max(_counts.Length * 2, high - low + 1 + InitialCapacity);
        var newOffset = index < _offset ? high - length + 1 : low;
        var grown = new long[length];
        Array.Copy(_counts, 0, grown, _offset - newOffset, _counts.Length);
        _counts = grown;
        _offset = newOffset;
    }
}
