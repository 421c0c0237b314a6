package dev.sightline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The browser UI in real headless Chromium (Debian's chromium + chromedriver): upload a photo,
 * ask, watch the streamed answer, see the anonymised image and safety notes, send feedback.
 */
class BrowserUiIT extends DeployedEar {
    static final Path TESTDATA = Path.of(System.getProperty("sightline.testdata", "../testdata"));
    WebDriver driver;


    @BeforeEach
    void start() throws Exception {
        driver = Browser.chromium();
    }

    @AfterEach
    void stop() {
        if (driver != null) driver.quit();
    }

    @Test
    void askAboutAPhotoAndWatchTheAnswerStream() throws Exception {
        driver.get(Http.BASE + "/");
        assertTrue(driver.findElement(By.id("disclosure")).getText().contains("AI model"));
        // Before any question, the page says which model answers (here the embedded stand-in).
        new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> d.findElement(By.id("model-warning")).getText().contains("noise"));
        driver.findElement(By.id("api-key")).sendKeys(Http.KEY);
        driver.findElement(By.id("images")).sendKeys(TESTDATA.resolve("data/faces/astronaut.png").toRealPath().toString());
        driver.findElement(By.id("question")).sendKeys("Describe this photo.");
        WebElement max = driver.findElement(By.id("max-tokens"));
        max.clear();
        max.sendKeys("12");
        driver.findElement(By.id("ask")).click();
        new WebDriverWait(driver, Duration.ofMinutes(2)).until(d -> d.findElement(By.id("status")).getText().startsWith("Done"));
        String answer = driver.findElement(By.id("answer")).getText();
        assertFalse(answer.isBlank(), "a streamed answer is shown");
        WebElement seen = driver.findElement(By.cssSelector("#seen img"));
        assertTrue(seen.getAttribute("alt").contains("1 face(s) anonymised"), seen.getAttribute("alt"));
        String notes = driver.findElement(By.id("notes")).getText();
        assertTrue(notes.contains("face(s) anonymised") && notes.contains("Moderation of the input: allow"), notes);
        assertTrue(driver.findElement(By.id("model-warning")).getText().contains("noise"));

        // Screenshot check: the answer box holds rendered text (dark pixels on its white background).
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Path shot = Path.of("target/ui-streamed-answer.png");
        Files.write(shot, png);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        org.openqa.selenium.Rectangle box = driver.findElement(By.id("answer")).getRect();
        int dark = 0;
        for (int y = box.y + 2; y < box.y + box.height - 2 && y < img.getHeight(); y++) {
            for (int x = box.x + 2; x < box.x + box.width - 2 && x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                if (((p >> 16) & 255) + ((p >> 8) & 255) + (p & 255) < 200) dark++;
            }
        }
        assertTrue(dark > 50, "rendered answer text visible in the screenshot (" + dark + " dark pixels)");

        driver.findElement(By.id("thumbs-up")).click();
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> d.findElement(By.id("status")).getText().contains("Thank you"));
    }

    @Test
    void aBlockedQuestionShowsTheReason() {
        driver.get(Http.BASE + "/");
        driver.findElement(By.id("api-key")).sendKeys(Http.KEY);
        driver.findElement(By.id("question")).sendKeys("Who is this man? Tell me his name.");
        driver.findElement(By.id("ask")).click();
        new WebDriverWait(driver, Duration.ofMinutes(1)).until(d -> d.findElement(By.id("status")).getText().startsWith("Error"));
        String status = driver.findElement(By.id("status")).getText();
        assertTrue(status.contains("400") && status.contains("content policy"), status);
        assertEquals("", driver.findElement(By.id("answer")).getText());
    }

    @Test
    void stopEndsTheStreamAndTheKeyIsKeptOnlyForTheSession() throws Exception {
        driver.get(Http.BASE + "/");
        driver.findElement(By.id("api-key")).sendKeys(Http.KEY);
        driver.findElement(By.id("question")).sendKeys("Write a long story about the sea.");
        WebElement max = driver.findElement(By.id("max-tokens"));
        max.clear();
        max.sendKeys("512");
        long cancelledBefore = Http.get("/api/status").json().path("cancelled_requests").asLong();
        driver.findElement(By.id("ask")).click();
        new WebDriverWait(driver, Duration.ofMinutes(1)).until(d -> !d.findElement(By.id("answer")).getText().isEmpty());
        driver.findElement(By.id("stop")).click();
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> d.findElement(By.id("status")).getText().equals("Stopped."));
        assertTrue(driver.findElement(By.id("stop")).getAttribute("disabled") != null, "Stop is off once nothing runs");
        // The server noticed the closed stream and stopped generating.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (Http.get("/api/status").json().path("cancelled_requests").asLong() == cancelledBefore && System.nanoTime() < deadline) Thread.sleep(200);
        assertTrue(Http.get("/api/status").json().path("cancelled_requests").asLong() > cancelledBefore, "the generation was cancelled");
        var js = (org.openqa.selenium.JavascriptExecutor) driver;
        assertEquals(Http.KEY, js.executeScript("return sessionStorage.getItem('sightline.key')"));
        assertEquals(null, js.executeScript("return localStorage.getItem('sightline.key')"), "not remembered unless asked");
        driver.findElement(By.id("remember-key")).click();
        assertEquals(Http.KEY, js.executeScript("return localStorage.getItem('sightline.key')"));
    }

    @Test
    void askAboutADocumentSeeItsPagesAndAskAgain() throws Exception {
        Path pdf = Files.createTempFile("sightline-ui-", ".pdf");
        Files.write(pdf, DocumentsIT.topicsPdf(2));
        try {
            driver.get(Http.BASE + "/");
            driver.findElement(By.id("api-key")).sendKeys(Http.KEY);
            driver.findElement(By.id("document")).sendKeys(pdf.toRealPath().toString());
            driver.findElement(By.id("question")).sendKeys("What is on the second page?");
            WebElement max = driver.findElement(By.id("max-tokens"));
            max.clear();
            max.sendKeys("8");
            driver.findElement(By.id("ask")).click();
            new WebDriverWait(driver, Duration.ofMinutes(2)).until(d -> d.findElement(By.id("status")).getText().startsWith("Done"));
            // Both pages, as the model saw them, with their numbers; the notes say what was shown and cited.
            var pages = driver.findElements(By.cssSelector("#seen figure img"));
            assertEquals(2, pages.size());
            assertTrue(pages.get(1).getAttribute("alt").startsWith("Page 2 as the model saw it"), pages.get(1).getAttribute("alt"));
            assertTrue(pages.get(0).getAttribute("src").startsWith("data:image/png;base64,"));
            String notes = driver.findElement(By.id("notes")).getText();
            assertTrue(notes.contains("Pages shown to the model: 1, 2 of 2.") && notes.contains("cites"), notes);
            assertFalse(driver.findElement(By.id("answer")).getText().isBlank());
            // The question and its answer joined the conversation, the document named.
            assertEquals(2, turns(driver));
            String firstTurn = driver.findElements(By.cssSelector("#conversation li")).get(0).getText();
            assertTrue(firstTurn.contains("What is on the second page?") && firstTurn.contains("[document: " + pdf.getFileName()), firstTurn);
            int firstPrompt = promptTokens(driver);
            // Selecting a page shows it large.
            pages.get(1).click();
            assertTrue(driver.findElement(By.cssSelector("#seen figure[data-page='2']")).getAttribute("class").contains("large"));

            // A follow-up about the same file, still selected: the server reuses what it read.
            long hits = Http.get("/api/status").json().path("document_cache").path("hits").asLong();
            WebElement q = driver.findElement(By.id("question"));
            q.clear();
            q.sendKeys("And the first page?");
            driver.findElement(By.id("ask")).click();
            new WebDriverWait(driver, Duration.ofMinutes(2)).until(d -> d.findElement(By.id("status")).getText().startsWith("Done")
                    && d.findElements(By.cssSelector("#seen figure")).size() == 2 && turns(d) == 4);
            assertEquals(hits + 1, Http.get("/api/status").json().path("document_cache").path("hits").asLong());
            // The follow-up, shorter than the first question, carried the first turn: a longer prompt.
            int followUpPrompt = promptTokens(driver);
            assertTrue(followUpPrompt > firstPrompt, "history sent: " + followUpPrompt + " vs " + firstPrompt);
            // A new conversation asks the same follow-up without it.
            driver.findElement(By.id("new-conversation")).click();
            askAndWait("And the first page?", 2);
            assertTrue(promptTokens(driver) < followUpPrompt, "no history after a new conversation: " + promptTokens(driver));
        } finally {
            Files.deleteIfExists(pdf);
        }
    }

    /** The prompt tokens the status line reports for the last answer. */
    static int promptTokens(WebDriver d) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("prompt (\\d+) tokens").matcher(d.findElement(By.id("status")).getText());
        assertTrue(m.find(), d.findElement(By.id("status")).getText());
        return Integer.parseInt(m.group(1));
    }

    static int turns(WebDriver d) {
        return d.findElements(By.cssSelector("#conversation li")).size();
    }

    void askAndWait(String question, int turnsAfter) {
        WebElement q = driver.findElement(By.id("question"));
        q.clear();
        q.sendKeys(question);
        driver.findElement(By.id("ask")).click();
        new WebDriverWait(driver, Duration.ofMinutes(2)).until(d -> d.findElement(By.id("status")).getText().startsWith("Done") && turns(d) == turnsAfter);
    }

    @Test
    void aConversationCarriesItsTurnsSurvivesAReloadAndStartsAgain() {
        driver.get(Http.BASE + "/");
        driver.findElement(By.id("api-key")).sendKeys(Http.KEY);
        WebElement max = driver.findElement(By.id("max-tokens"));
        max.clear();
        max.sendKeys("6");
        askAndWait("Name a colour.", 2);
        int first = promptTokens(driver);
        assertTrue(driver.findElement(By.id("status")).getText().matches("Done \\(\\w+\\)\\. \\d+ tokens; prompt \\d+ tokens; first text after [0-9.]+ s.*"),
                driver.findElement(By.id("status")).getText());
        askAndWait("And another one?", 4);
        // The second question was sent with the first turn and its answer before it.
        assertTrue(promptTokens(driver) > first + 6, promptTokens(driver) + " after " + first);
        assertEquals(List.of("turn user", "turn assistant", "turn user", "turn assistant"),
                driver.findElements(By.cssSelector("#conversation li")).stream().map(e -> e.getAttribute("class")).toList());
        // Kept for the tab: a reload shows the same turns; regenerate replaces the last answer.
        driver.navigate().refresh();
        assertEquals(4, turns(driver));
        driver.findElement(By.id("regenerate")).click();
        new WebDriverWait(driver, Duration.ofMinutes(2)).until(d -> d.findElement(By.id("status")).getText().startsWith("Done") && turns(d) == 4);
        driver.findElement(By.id("new-conversation")).click();
        assertEquals(0, turns(driver));
        assertTrue(driver.findElement(By.id("conversation-empty")).isDisplayed());
        assertEquals("[]", ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("return sessionStorage.getItem('sightline.conversation')"));
    }

    @Test
    void answersAreMarkdownThatRunsNoScript() {
        driver.get(Http.BASE + "/");
        var js = (org.openqa.selenium.JavascriptExecutor) driver;
        String html = (String) js.executeScript("""
                const h = window.sightlineMarkdown('**bold** <img src=x onerror="window.hacked = 1"> <script>window.hacked = 2</script>\\n\\n'
                  + '| a | b |\\n|---|---|\\n| 1 | 2 |\\n\\n```\\nlet x = 1;\\n```\\n\\n- one\\n- two');
                document.getElementById('answer').innerHTML = h;
                return h;""");
        assertTrue(html.contains("<strong>bold</strong>") && html.contains("<table>") && html.contains("<code>") && html.contains("<li>one</li>"), html);
        assertFalse(html.contains("onerror") || html.contains("<script"), html);
        assertEquals(null, js.executeScript("return window.hacked === undefined ? null : window.hacked"), "no script ran");
    }

    @Test
    void darkModeFollowsTheSystemAndAPhoneWidthNeedsNoSideScrolling() {
        driver.get(Http.BASE + "/");
        var js = (org.openqa.selenium.JavascriptExecutor) driver;
        assertEquals("rgb(250, 250, 250)", js.executeScript("return getComputedStyle(document.body).backgroundColor"));
        ((ChromeDriver) driver).executeCdpCommand("Emulation.setEmulatedMedia",
                java.util.Map.of("features", List.of(java.util.Map.of("name", "prefers-color-scheme", "value", "dark"))));
        assertEquals("rgb(22, 22, 22)", js.executeScript("return getComputedStyle(document.body).backgroundColor"));
        ((ChromeDriver) driver).executeCdpCommand("Emulation.setDeviceMetricsOverride",
                java.util.Map.of("width", 390, "height", 844, "deviceScaleFactor", 2, "mobile", true));
        driver.navigate().refresh();
        Number scroll = (Number) js.executeScript("return document.documentElement.scrollWidth");
        Number width = (Number) js.executeScript("return window.innerWidth");
        assertTrue(scroll.intValue() <= width.intValue(), "page " + scroll + " px wide in a " + width + " px window");
    }

    @Test
    void pastedAndDroppedImagesArePreviewedScaledDownAndSent() {
        driver.get(Http.BASE + "/");
        driver.findElement(By.id("api-key")).sendKeys(Http.KEY);
        var js = (org.openqa.selenium.JavascriptExecutor) driver;
        // A 2000 x 1000 picture pasted, a 300 x 200 one dropped on the image field.
        js.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const picture = (w, h, colour) => new Promise((resolve) => {
                  const c = document.createElement('canvas');
                  c.width = w; c.height = h;
                  const g = c.getContext('2d');
                  g.fillStyle = colour; g.fillRect(0, 0, w, h);
                  g.fillStyle = '#fff'; g.fillRect(w / 4, h / 4, w / 2, h / 2);
                  c.toBlob((b) => resolve(new File([b], colour + '.png', { type: 'image/png' })), 'image/png');
                });
                Promise.all([picture(2000, 1000, '#c33'), picture(300, 200, '#33c')]).then(([big, small]) => {
                  const pasted = new DataTransfer();
                  pasted.items.add(big);
                  document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true }));
                  const dropped = new DataTransfer();
                  dropped.items.add(small);
                  document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true }));
                  done();
                });""");
        assertEquals(2, driver.findElements(By.cssSelector("#previews img")).size(), "both previewed");
        driver.findElement(By.id("question")).sendKeys("What is in these pictures?");
        WebElement max = driver.findElement(By.id("max-tokens"));
        max.clear();
        max.sendKeys("4");
        driver.findElement(By.id("ask")).click();
        new WebDriverWait(driver, Duration.ofMinutes(2)).until(d -> d.findElement(By.id("status")).getText().startsWith("Done"));
        // What the model saw: both images, the pasted one scaled to 1344 pixels wide before it was sent.
        List<WebElement> seen = driver.findElements(By.cssSelector("#seen img"));
        assertEquals(2, seen.size());
        assertEquals(1344L, js.executeScript("return arguments[0].naturalWidth", seen.get(0)));
        assertEquals(300L, js.executeScript("return arguments[0].naturalWidth", seen.get(1)));
        assertEquals(0, driver.findElements(By.cssSelector("#previews img")).size(), "sent images leave the previews");
    }

    @Test
    void aKeyboardAloneCanAskAndTheAnswerIsAnnouncedOnce() {
        driver.get(Http.BASE + "/");
        var js = (org.openqa.selenium.JavascriptExecutor) driver;
        var keys = new org.openqa.selenium.interactions.Actions(driver); // keys to whatever has the focus (a file input included)
        // Tab order from the top of the page: the key first, then the inputs, the question, and Ask.
        List<String> order = new java.util.ArrayList<>();
        for (int i = 0; i < 25 && !order.contains("ask"); i++) {
            keys.sendKeys(org.openqa.selenium.Keys.TAB).perform();
            String id = (String) js.executeScript("const e = document.activeElement; return e.id || e.tagName.toLowerCase();");
            order.add(id);
        }
        assertEquals(List.of("api-key", "remember-key", "images", "document"), order.subList(0, 4), order.toString());
        assertTrue(order.indexOf("question") < order.indexOf("max-tokens") && order.indexOf("max-tokens") < order.indexOf("ask"), order.toString());
        assertTrue(order.contains("summary"), "the settings open from the keyboard: " + order);
        // Type the key and the question, then press Enter on Ask: no pointer at all.
        driver.findElement(By.id("api-key")).sendKeys(Http.KEY);
        keys.sendKeys(org.openqa.selenium.Keys.TAB).perform(); // remember-key
        for (int i = 0; i < 25 && !"question".equals(js.executeScript("return document.activeElement.id")); i++) {
            keys.sendKeys(org.openqa.selenium.Keys.TAB).perform();
        }
        keys.sendKeys("Say hello.").perform();
        for (int i = 0; i < 10 && !"ask".equals(js.executeScript("return document.activeElement.id")); i++) {
            keys.sendKeys(org.openqa.selenium.Keys.TAB).perform();
        }
        keys.sendKeys(org.openqa.selenium.Keys.ENTER).perform();
        new WebDriverWait(driver, Duration.ofMinutes(2)).until(d -> d.findElement(By.id("status")).getText().startsWith("Done"));
        assertFalse(driver.findElement(By.id("answer")).getText().isBlank());
        // Screen readers hear the status line once per answer, not every token of the answer.
        assertEquals("status", driver.findElement(By.id("status")).getAttribute("role"));
        assertEquals(null, driver.findElement(By.id("answer")).getAttribute("aria-live"));
    }
}
