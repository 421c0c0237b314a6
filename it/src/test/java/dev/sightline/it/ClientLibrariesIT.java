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

    /** A tool as the OpenAI SDK's helper describes it: the class name is the function, its public fields the arguments. */
    @com.fasterxml.jackson.annotation.JsonClassDescription("The weather now in a city")
    public static class GetWeather {
        @com.fasterxml.jackson.annotation.JsonPropertyDescription("the city")
        public String city;
    }

    @Test
    void openAiSdkToolCallsParseAndTheirResultsGoBack() {
        for (long seed = 1; seed <= 3; seed++) {
            ChatCompletionCreateParams ask = ChatCompletionCreateParams.builder().model("phi-3.5-vision-instruct")
                    .addUserMessage("What is the weather in Oslo?").addTool(GetWeather.class)
                    .toolChoice(com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.REQUIRED)
                    .maxCompletionTokens(60).temperature(1.0).seed(seed).build();
            ChatCompletion c = openai(Http.KEY).chat().completions().create(ask);
            ChatCompletion.Choice choice = c.choices().getFirst();
            assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason(), "seed " + seed);
            var call = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
            assertEquals("GetWeather", call.function().name());
            GetWeather args = call.function().arguments(GetWeather.class); // parses and validates against the class's schema
            assertTrue(args.city != null, "seed " + seed + ": " + call.function().arguments());
            // The call and its result go back; the model answers (tool_choice none: no tools offered now).
            ChatCompletion answer = openai(Http.KEY).chat().completions().create(ask.toBuilder()
                    .addMessage(choice.message())
                    .addMessage(com.openai.models.chat.completions.ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("4 C and rain").build())
                    .toolChoice(com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.NONE).maxCompletionTokens(8).build());
            assertTrue(answer.choices().getFirst().message().content().isPresent());
            ChatCompletion without = openai(Http.KEY).chat().completions().create(ask.toBuilder()
                    .toolChoice(com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.NONE).maxCompletionTokens(1).build());
            assertTrue(answer.usage().orElseThrow().promptTokens() > without.usage().orElseThrow().promptTokens() + 10, "the call and its result are in the prompt");
        }
        // Streamed as OpenAI streams calls: the SDK's accumulator rebuilds the same kind of call.
        var acc = com.openai.helpers.ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> s = openai(Http.KEY).chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                .model("phi-3.5-vision-instruct").addUserMessage("Weather in Oslo?").addTool(GetWeather.class)
                .toolChoice(com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.REQUIRED).maxCompletionTokens(60).seed(9L).temperature(1.0).build())) {
            s.stream().forEach(acc::accumulate);
        }
        ChatCompletion.Choice streamed = acc.chatCompletion().choices().getFirst();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, streamed.finishReason());
        assertTrue(streamed.message().toolCalls().orElseThrow().getFirst().asFunction().function().arguments(GetWeather.class).city != null);
    }

    /** A LangChain4j tool: the @Tool method's signature is the function's schema. */
    public static class WeatherTools {
        @dev.langchain4j.agent.tool.Tool("The weather now in a city")
        public String weather(@dev.langchain4j.agent.tool.P("the city") String city) {
            return "4 C and rain in " + city;
        }
    }

    @Test
    void langChain4jToolSpecificationsAreCalledAndAnswered() throws Exception {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(BASE).apiKey(Http.KEY).modelName("phi-3.5-vision-instruct")
                .maxTokens(60).temperature(1.0).seed(4).timeout(Duration.ofMinutes(2)).maxRetries(0).build();
        var tools = dev.langchain4j.agent.tool.ToolSpecifications.toolSpecificationsFrom(WeatherTools.class);
        UserMessage question = UserMessage.from("What is the weather in Oslo?");
        ChatResponse r = model.chat(dev.langchain4j.model.chat.request.ChatRequest.builder().messages(question)
                .toolSpecifications(tools).toolChoice(dev.langchain4j.model.chat.request.ToolChoice.REQUIRED).build());
        assertTrue(r.aiMessage().hasToolExecutionRequests(), r.aiMessage().toString());
        var call = r.aiMessage().toolExecutionRequests().getFirst();
        assertEquals("weather", call.name());
        // The one parameter, named as the compiled class names it (arg0 without -parameters).
        var args = Http.JSON.readTree(call.arguments());
        assertEquals(1, args.size(), call.arguments());
        String city = args.elements().next().asText(null);
        assertTrue(city != null, call.arguments());
        ChatResponse answer = model.chat(dev.langchain4j.model.chat.request.ChatRequest.builder()
                .messages(question, r.aiMessage(), dev.langchain4j.data.message.ToolExecutionResultMessage.from(call, new WeatherTools().weather(city)))
                .toolSpecifications(tools).toolChoice(dev.langchain4j.model.chat.request.ToolChoice.AUTO).build());
        assertTrue(answer.aiMessage().text() != null || answer.aiMessage().hasToolExecutionRequests(), "an answer or another call");
    }

    @Test
    void openAiSdkLogprobsSpellTheAnswerAndRankTheAlternatives() throws Exception {
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model("phi-3.5-vision-instruct")
                .addUserMessage("Name three rivers.").maxCompletionTokens(10).logprobs(true).topLogprobs(3).build();
        ChatCompletion c = openai(Http.KEY).chat().completions().create(p);
        var choice = c.choices().getFirst();
        var content = choice.logprobs().orElseThrow().content().orElseThrow();
        assertEquals(c.usage().orElseThrow().completionTokens(), content.size(), "one entry per generated token");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (var t : content) {
            for (long b : t.bytes().orElseThrow()) bytes.write((int) b);
            assertTrue(t.logprob() <= 0, t.toString());
            assertEquals(3, t.topLogprobs().size());
            // Greedy: the token picked is the likeliest, and the list is ranked.
            assertEquals(t.token(), t.topLogprobs().getFirst().token());
            assertEquals(t.logprob(), t.topLogprobs().getFirst().logprob(), 1e-4);
            assertTrue(t.topLogprobs().get(1).logprob() <= t.topLogprobs().getFirst().logprob());
        }
        assertEquals(choice.message().content().orElseThrow().strip(), bytes.toString(java.nio.charset.StandardCharsets.UTF_8).strip(), "the tokens spell the answer");
        // Streamed: the accumulated chunks carry the same log-probabilities.
        var acc = com.openai.helpers.ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> s = openai(Http.KEY).chat().completions().createStreaming(p)) {
            s.stream().forEach(acc::accumulate);
        }
        var streamed = acc.chatCompletion().choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
        assertEquals(content.stream().map(t -> t.logprob()).toList(), streamed.stream().map(t -> t.logprob()).toList());
        // Asked for wrongly: 400 naming the field.
        BadRequestException e = assertThrows(BadRequestException.class, () -> openai(Http.KEY).chat().completions().create(p.toBuilder().logprobs(false).build()));
        assertTrue(e.getMessage().contains("top_logprobs"), e.getMessage());
    }

    @Test
    void openAiSdkSeveralChoicesShareOnePrefill() throws Exception {
        var hitsBefore = Http.get("/api/status").json().path("prefix_cache").path("hits").asLong();
        ChatCompletion c = openai(Http.KEY).chat().completions().create(ChatCompletionCreateParams.builder().model("phi-3.5-vision-instruct")
                .addUserMessage("Suggest a name for a sailing boat, with a word on why it fits the sea.").n(3).temperature(1.0).seed(11).maxCompletionTokens(12).build());
        assertEquals(3, c.choices().size());
        for (int i = 0; i < 3; i++) assertEquals(i, c.choices().get(i).index());
        assertEquals(3, c.choices().stream().map(ch -> ch.message().content().orElse("")).distinct().count(), "three seeds, three answers");
        var usage = c.usage().orElseThrow();
        assertEquals(36, usage.completionTokens(), "the answers' tokens together");
        assertEquals(usage.promptTokens() + 36, usage.totalTokens(), "the prompt once");
        var hitsAfter = Http.get("/api/status").json().path("prefix_cache").path("hits").asLong();
        assertEquals(hitsBefore + 2, hitsAfter, "the second and third answers restored the first's prompt");
        BadRequestException e = assertThrows(BadRequestException.class, () -> openai(Http.KEY).chat().completions().create(ChatCompletionCreateParams.builder()
                .model("x").addUserMessage("hi").n(9).build()));
        assertTrue(e.getMessage().contains("'n'"), e.getMessage());
    }

    @Test
    void langChain4jJsonSchemaResponseFormatGivesAMatchingDocument() throws Exception {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(BASE).apiKey(Http.KEY).modelName("phi-3.5-vision-instruct")
                .maxTokens(60).temperature(1.0).strictJsonSchema(true).timeout(Duration.ofMinutes(2)).maxRetries(0).build();
        var schema = dev.langchain4j.model.chat.request.json.JsonSchema.builder().name("boat")
                .rootElement(dev.langchain4j.model.chat.request.json.JsonObjectSchema.builder()
                        .addStringProperty("name").addIntegerProperty("length").addBooleanProperty("sails").required("name", "length", "sails").build())
                .build();
        for (int seed = 1; seed <= 3; seed++) {
            ChatResponse r = model.chat(dev.langchain4j.model.chat.request.ChatRequest.builder()
                    .messages(UserMessage.from("Describe a boat as JSON."))
                    .parameters(dev.langchain4j.model.openai.OpenAiChatRequestParameters.builder().seed(seed)
                            .responseFormat(dev.langchain4j.model.chat.request.ResponseFormat.builder()
                                    .type(dev.langchain4j.model.chat.request.ResponseFormatType.JSON).jsonSchema(schema).build()).build()).build());
            var doc = Http.JSON.readTree(r.aiMessage().text());
            assertTrue(doc.path("name").isTextual() && doc.path("length").isIntegralNumber() && doc.path("sails").isBoolean(), "seed " + seed + ": " + doc);
            assertEquals(3, doc.size(), doc.toString());
        }
    }
}
