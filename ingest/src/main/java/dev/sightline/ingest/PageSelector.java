package dev.sightline.ingest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * Chooses the pages the model sees when a document has more than the image budget: BM25
 * (Lucene) over the page texts against the question, the top pages plus the title page, in
 * document order. Pages the question names ("page 7", "slide 3") are always kept.
 */
public final class PageSelector {
    private PageSelector() {}

    public static List<Page> select(List<Page> pages, String question, int budget) {
        if (pages.size() <= budget) return pages;
        TreeSet<Integer> keep = new TreeSet<>();
        keep.add(0); // title page
        var m = java.util.regex.Pattern.compile("(?i)\\b(?:page|slide|p\\.)\\s*(\\d{1,4})").matcher(question);
        while (m.find() && keep.size() < budget) {
            int n = Integer.parseInt(m.group(1)) - 1;
            if (n >= 0 && n < pages.size()) keep.add(n);
        }
        for (int idx : rank(pages, question)) {
            if (keep.size() >= budget) break;
            keep.add(idx);
        }
        for (int i = 0; keep.size() < budget && i < pages.size(); i++) keep.add(i);
        List<Page> out = new ArrayList<>();
        for (int i : keep) out.add(pages.get(i));
        out.sort(Comparator.comparingInt(Page::number));
        return out;
    }

    /** Page indexes by BM25 relevance to the question (best first). */
    static List<Integer> rank(List<Page> pages, String question) {
        List<Integer> out = new ArrayList<>();
        try (StandardAnalyzer analyzer = new StandardAnalyzer(); ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
            IndexWriterConfig cfg = new IndexWriterConfig(analyzer).setSimilarity(new BM25Similarity());
            try (IndexWriter w = new IndexWriter(dir, cfg)) {
                for (int i = 0; i < pages.size(); i++) {
                    Document d = new Document();
                    d.add(new StoredField("idx", i));
                    d.add(new TextField("text", pages.get(i).text(), Field.Store.NO));
                    w.addDocument(d);
                }
            }
            try (DirectoryReader r = DirectoryReader.open(dir)) {
                IndexSearcher s = new IndexSearcher(r);
                s.setSimilarity(new BM25Similarity());
                String q = QueryParser.escape(question.replaceAll("[^\\p{L}\\p{N}\\s]", " ")).trim();
                if (q.isEmpty()) return out;
                for (ScoreDoc sd : s.search(new QueryParser("text", analyzer).parse(q), pages.size()).scoreDocs) {
                    out.add(s.storedFields().document(sd.doc).getField("idx").numericValue().intValue());
                }
            }
        } catch (IOException | org.apache.lucene.queryparser.classic.ParseException e) {
            return out;
        }
        return out;
    }
}
