package dev.sightline.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK and LangChain4j's OpenAI client, unchanged but for base URL and key. */
class ClientLibrariesIT extends DeployedEar {
    static final String BASE = Http.BASE + "/v1";
    static final Path PHOTO = Path.of(System.getProperty("sightline.testdata", "../testdata")).resolve("data/faces/coffee.png");



    static OpenAIClient openai(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(BASE).apiKey(key).timeout(Duration.ofMinutes(2)).maxRetries(0).build();
    }

    /**
     * The prompt's token count as the engine builds it for the server's embedded checkpoint (the
     * tiny preset, seed 1234): the chat template, the text and, with the photo, its 757 image
     * tokens (600×400 at the default num_crops 4).
     */
    static int promptTokens(String content, boolean withImage) throws Exception {
        Path dir = Files.createTempDirectory("sightline-it-tiny-");
        try (dev.sightline.gpu.CpuBackend be = new dev.sightline.gpu.CpuBackend();
             dev.sightline.engine.Engine e = dev.sightline.engine.Engine.load(
                     dev.sightline.engine.checkpoint.CheckpointWriter.write(dev.sightline.engine.checkpoint.CheckpointWriter.Preset.TINY, dir, 1234), be)) {
            List<dev.sightline.engine.image.RgbImage> images = withImage
                    ? List.of(dev.sightline.engine.image.ImageDecoder.decode(Files.readAllBytes(PHOTO))) : List.of();
            var p = e.prepare(List.of(new dev.sightline.engine.tokenizer.ChatMessage("user", content)), images, 4);
            assertEquals(withImage ? List.of(757) : List.of(), java.util.Arrays.stream(p.numImgTokens()).boxed().toList());
            return p.inputIds().length;
        }
    }

    static String dataUrl() throws Exception {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(PHOTO));
    }

    /** What the SDK's structured-output helper turns into a JSON schema (public fields, all required). */
    public static class Verdict {
        public String label;
        public double score;
        public boolean sure;
        public List<String> reasons;
    }

    @Test
    void openAiSdkStructuredOutputHelperGetsItsClassBack() {
        for (long seed = 1; seed <= 3; seed++) {
            com.openai.models.chat.completions.StructuredChatCompletion<Verdict> c = openai(Http.KEY).chat().completions().create(
                    ChatCompletionCreateParams.builder().model("phi-3.5-vision-instruct").addUserMessage("Is this a cat? Answer as JSON.")
                            .maxCompletionTokens(60).temperature(1.0).seed(seed).responseFormat(Verdict.class).build());
            Verdict v = c.choices().getFirst().message().content().orElseThrow();
            assertTrue(v.label != null && v.reasons != null, "seed " + seed);
        }
    }

    @Test
    void openAiSdkChat() {
        ChatCompletion c = openai(Http.KEY).chat().completions().create(ChatCompletionCreateParams.builder()
                .model("phi-3.5-vision-instruct").addUserMessage("Say hello.").maxCompletionTokens(6).build());
        assertEquals(1, c.choices().size());
        assertTrue(c.choices().getFirst().message().content().isPresent());
        assertEquals(6, c.usage().orElseThrow().completionTokens());
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, c.choices().getFirst().finishReason());
    }

    @Test
    void openAiSdkImage() throws Exception {
        ChatCompletion c = openai(Http.KEY).chat().completions().create(ChatCompletionCreateParams.builder()
                .model("phi-3.5-vision-instruct")
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                                .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(dataUrl()).build()).build()),
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("What is in this picture?").build())))
                .maxCompletionTokens(4).build());
        // The image (757 tokens) and the text reached the prompt, in the order sent.
        assertEquals(promptTokens("<|image_1|>\nWhat is in this picture?", true), c.usage().orElseThrow().promptTokens());
    }

    @Test
    void openAiSdkStreaming() {
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder()
                .model("phi-3.5-vision-instruct").addUserMessage("Count to three.").maxCompletionTokens(12).build();
        StringBuilder text = new StringBuilder();
        int chunks = 0;
        ChatCompletionChunk.Choice.FinishReason finish = null;
        try (StreamResponse<ChatCompletionChunk> s = openai(Http.KEY).chat().completions().createStreaming(p)) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
                chunks++;
                for (ChatCompletionChunk.Choice ch : chunk.choices()) {
                    ch.delta().content().ifPresent(text::append);
                    if (ch.finishReason().isPresent()) finish = ch.finishReason().get();
                }
            }
        }
        assertTrue(chunks >= 2, "chunks " + chunks);
        assertEquals(ChatCompletionChunk.Choice.FinishReason.LENGTH, finish);
        ChatCompletion whole = openai(Http.KEY).chat().completions().create(p);
        assertEquals(whole.choices().getFirst().message().content().orElse(""), text.toString(), "streamed text equals the non-streamed answer (greedy)");
    }

    @Test
    void openAiSdkErrors() {
        assertThrows(UnauthorizedException.class, () -> openai("wrong-key").chat().completions().create(ChatCompletionCreateParams.builder()
                .model("x").addUserMessage("hi").build()));
        BadRequestException e = assertThrows(BadRequestException.class, () -> openai(Http.KEY).chat().completions().create(ChatCompletionCreateParams.builder()
                .model("x").addUserMessage("Who is the woman in this photo?").build()));
        assertEquals(400, e.statusCode());
    }

    @Test
    void langChain4jChatImageAndStreaming() throws Exception {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(BASE).apiKey(Http.KEY).modelName("phi-3.5-vision-instruct")
                .maxTokens(5).timeout(Duration.ofMinutes(2)).maxRetries(0).build();
        String answer = model.chat("Tell me a fact about the sea.");
        // Greedy: the same answer the API gives the same request directly.
        String direct = Http.postJson("/v1/chat/completions", """
                {"max_tokens": 5, "messages": [{"role": "user", "content": "Tell me a fact about the sea."}]}""")
                .json().path("choices").get(0).path("message").path("content").asText();
        assertEquals(direct, answer);
        ChatResponse withImage = model.chat(UserMessage.from(
                TextContent.from("Describe the picture."),
                ImageContent.from(Base64.getEncoder().encodeToString(Files.readAllBytes(PHOTO)), "image/png")));
        assertEquals(promptTokens("Describe the picture.<|image_1|>\n", true), withImage.tokenUsage().inputTokenCount());

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(BASE).apiKey(Http.KEY)
                .modelName("phi-3.5-vision-instruct").maxTokens(8).timeout(Duration.ofMinutes(2)).build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        StringBuilder partial = new StringBuilder();
        streaming.chat("Tell me about rivers.", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String s) {
                partial.append(s);
            }

            @Override
            public void onCompleteResponse(ChatResponse r) {
                done.complete(r);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }
        });
        ChatResponse r = done.get(2, TimeUnit.MINUTES);
        assertEquals(partial.toString(), r.aiMessage().text());
    }
}
