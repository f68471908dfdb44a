using System.Text;
using Rampart.Policy.Rules.Actions;

namespace Rampart.Policy.Tests.Rules.Actions;

/// <summary>The HTML standard's prescan for a charset in &lt;meta&gt;, on the first 1024 bytes.</summary>
public class HtmlMetaCharsetTests
{
    [Theory]
    [InlineData("<meta charset=\"Shift_JIS\">", "Shift_JIS")]
    [InlineData("<html><head><META CHARSET=euc-jp>", "euc-jp")]
    [InlineData("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-2022-jp\">", "iso-2022-jp")]
    [InlineData("<meta content='text/html; charset=\"koi8-r\"' http-equiv=content-type>", "koi8-r")]
    [InlineData("<meta/charset = 'gb2312' >", "gb2312")]
    [InlineData("<!-- <meta charset=\"koi8-r\"> --><meta charset=utf-8>", "utf-8")]
    [InlineData("<p title=\"<meta charset=koi8-r>\"><meta charset=big5>", "big5")]
    [InlineData("<meta charset=\"utf-16le\">", "utf-8")]
    [InlineData("<meta charset=x-user-defined>", "windows-1252")]
    [InlineData("<meta charset=koi8-r charset=big5>", "koi8-r")]
    [InlineData("<meta content=\"text/html; charset=koi8-r\">", null)]
    [InlineData("<meta http-equiv=refresh content=\"0; charset=koi8-r\">", null)]
    [InlineData("<metal charset=koi8-r>", null)]
    [InlineData("<body>no meta</body>", null)]
    [InlineData("<meta charset=\"koi8-r", null)]
    [InlineData("", null)]
    public void The_first_meta_names_the_charset(string html, string? expected)
    {
        Assert.Equal(expected, HtmlMetaCharset.Find(Encoding.Latin1.GetBytes(html)));
    }

    [Fact]
    public void Only_the_first_1024_bytes_are_read()
    {
        var inside = new string(' ', 1000) + "<meta charset=koi8-r>";
        var cut = new string(' ', 1010) + "<meta charset=koi8-r>";
        var outside = new string(' ', 1030) + "<meta charset=koi8-r>";

        Assert.Equal("koi8-r", HtmlMetaCharset.Find(Encoding.Latin1.GetBytes(inside)));
        Assert.Null(HtmlMetaCharset.Find(Encoding.Latin1.GetBytes(cut)));
        Assert.Null(HtmlMetaCharset.Find(Encoding.Latin1.GetBytes(outside)));
    }

    [Fact]
    public void Hostile_markup_is_read_in_one_bounded_pass()
    {
        var html = string.Concat(Enumerable.Repeat("<a b='<meta", 10_000));
        Assert.Null(HtmlMetaCharset.Find(Encoding.Latin1.GetBytes(html)));
    }
}
