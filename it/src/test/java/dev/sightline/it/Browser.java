package dev.sightline.it;

import java.nio.file.Path;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Headless Chromium through Debian's chromedriver, for the UI tests. */
final class Browser {
    private Browser() {
    }

    static ChromeDriver chromium() {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(System.getProperty("sightline.chromium", "/usr/bin/chromium"));
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1600");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(System.getProperty("sightline.chromedriver", "/usr/bin/chromedriver")).toFile()).build();
        return new ChromeDriver(service, o);
    }
}
