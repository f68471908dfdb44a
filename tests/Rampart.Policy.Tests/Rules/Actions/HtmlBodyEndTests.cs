using Rampart.Policy.Rules.Actions;

namespace Rampart.Policy.Tests.Rules.Actions;

/// <summary>Where the disclaimer goes in HTML: "|" marks the expected place in each case.</summary>
public class HtmlBodyEndTests
{
    [Theory]
    [InlineData("<html><body>hi|</body></html>")]
    [InlineData("<HTML><BODY>hi|</BODY ></HTML>")]
    [InlineData("<p>no body tag</p>|")]
    [InlineData("<html><p>no body tag</p>|</html>")]
    [InlineData("")]
    // Several closing tags: the last real one, so the disclaimer ends the text.
    [InlineData("<body>one</body>two|</body>")]
    // A closing tag in a comment, a script, a style, a textarea, a title or an attribute is text.
    [InlineData("<body>hi|</body><!-- </body> -->")]
    [InlineData("<body>hi|</body><script>document.write('</body>')</script>")]
    [InlineData("<body>hi<script>var s = \"</body>\";</script>|</body>")]
    [InlineData("<body>hi<script>if (a < b) x = '</scriptx>';</script>|</body>")]
    [InlineData("<body>hi<style>p::after { content: \"</body>\" }</style>|</body>")]
    [InlineData("<body><textarea></body></textarea>hi|</body>")]
    [InlineData("<head><title></body></title></head><body>hi|</body>")]
    [InlineData("<body><a title=\"</body>\" href='x>'>hi</a>|</body>")]
    [InlineData("<body>hi<![CDATA[</body>]]>|</body>")]
    // Unterminated: a comment or script that never ends swallows the rest, so the place is the end.
    [InlineData("<body>hi<!-- </body>|")]
    [InlineData("<body>hi<script></body>|")]
    [InlineData("<body>a < b and 3<4|</body>")]
    [InlineData("<body>hi</bodyx>|</body>")]
    // HTML5's attribute states: a quote opens a value only where a value starts (after "=" and optional whitespace);
    // elsewhere it is a character of a name or of an unquoted value, and must not hide the real </body>.
    [InlineData("<p x'>Hi</p>|</body></html><!--' > </body> -->")]
    [InlineData("<p x\">Hi</p>|</body></html><!--\" > </body> -->")]
    [InlineData("<p x=a'b>Hi|</body><!--' </body> -->")]
    [InlineData("<p 'x=\"y\">Hi|</body><!--\" </body> -->")]
    [InlineData("<p x='1'y=\"</body>\">Hi|</body>")]
    [InlineData("<body><a href = \"</body>\">hi</a>|</body>")]
    [InlineData("<body><a href=\n'</body>'>hi</a>|</body>")]
    [InlineData("<body><img src=x\"</body>>hi|</body>")]
    [InlineData("<body><br/'>hi|</body><!--' </body> -->")]
    // A tag name runs to whitespace, "/" or ">": "<body'>" and "</body'>" are other tags.
    [InlineData("<body>hi|</body><p></body'>")]
    // Comments as HTML5 ends them: "<!-->" and "<!--->" are empty, "--!>" closes one.
    [InlineData("<body><!-->hi|</body><!-- </body> -->")]
    [InlineData("<body><!--->hi|</body><!-- </body> -->")]
    [InlineData("<body><!-- a --!>hi|</body><!-- </body> -->")]
    // "</" and no letter is a bogus comment to the next ">", not text.
    [InlineData("<body>hi</ <!-- >|</body><!-- </body> -->")]
    public void The_place_is_before_the_last_real_closing_body_tag(string marked)
    {
        int expected = marked.Contains('|') ? marked.IndexOf('|') : 0;
        var html = marked.Replace("|", "");

        Assert.Equal(expected, HtmlBodyEnd.Find(html));
    }

    [Fact]
    public void Hostile_html_is_read_in_one_pass()
    {
        // Many openings that never close, and many comment starts: linear, no backtracking.
        var html = string.Concat(Enumerable.Repeat("<a title=\"<!--<script", 100_000)) + "</body>";
        Assert.Equal(html.Length, HtmlBodyEnd.Find(html));
        var tags = string.Concat(Enumerable.Repeat("<b></body>", 100_000));
        Assert.Equal(tags.Length - "</body>".Length, HtmlBodyEnd.Find(tags));
    }
}
