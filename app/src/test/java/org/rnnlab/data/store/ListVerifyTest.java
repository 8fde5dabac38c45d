package org.rnnlab.data.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnnlab.UserInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code datasets list} (quick states from the marker) and {@code datasets verify} (full checksums). */
class ListVerifyTest {

    @TempDir
    Path tmp;

    private DatasetStore store() {
        return Fixtures.store(tmp);
    }

    private Path ptb() {
        return tmp.resolve("datasets/ptb");
    }

    private void importPtb() {
        store().importArchive("ptb", Fixtures.ptbShared().writeGzip(tmp.resolve("in/ptb.tar.gz")));
    }

    private DatasetState state(String name) {
        return store().list().datasets().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow().state();
    }

    @Test
    void freshHomeListsEverythingAsMissingWithAHint() {
        ListResult list = store().list();
        assertEquals(List.of("ptb", "imdb"), list.datasets().stream().map(DatasetStatus::name).toList());
        assertTrue(list.datasets().stream().allMatch(d -> d.state() == DatasetState.MISSING));
        assertTrue(list.render().contains("rnnlab datasets fetch imdb"), list.render());
    }

    @Test
    void importedDataIsVerifiedAndVerifyAgrees() {
        importPtb();
        assertEquals(DatasetState.VERIFIED, state("ptb"));
        assertEquals(DatasetState.MISSING, state("imdb"));
        VerifyReport all = store().verify(null);
        assertTrue(all.ok());
        assertEquals(List.of(VerifyResult.Outcome.VERIFIED, VerifyResult.Outcome.MISSING),
                all.results().stream().map(VerifyResult::outcome).toList());
        assertEquals(3, all.results().get(0).files());
    }

    @Test
    void filesCopiedByHandAreImportedUntilVerified() throws IOException {
        Fixtures.writePtbFiles(ptb());
        Fixtures.writeImdbFiles(tmp.resolve("datasets/imdb"));
        assertEquals(DatasetState.IMPORTED, state("ptb"));
        assertEquals(DatasetState.IMPORTED, state("imdb"));
        assertTrue(store().verify("imdb").ok());
        assertEquals(DatasetState.VERIFIED, state("imdb"));
        assertEquals(DatasetState.IMPORTED, state("ptb"));
    }

    @Test
    void aChangedFileFailsVerifyAndLosesTheVerifiedState() throws IOException {
        importPtb();
        Files.writeString(ptb().resolve("ptb.valid.txt"), "edited\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        assertEquals(DatasetState.IMPORTED, state("ptb"), "a size change is seen without hashing");
        VerifyReport r = store().verify("ptb");
        assertFalse(r.ok());
        assertEquals(List.of("ptb"), r.failed());
        assertTrue(r.results().get(0).problems().get(0).startsWith("ptb.valid.txt has SHA-256 "), r.render());
        assertTrue(r.render().contains("FAILED"), r.render());
    }

    @Test
    void aSameSizeEditIsOnlyFoundByVerify() throws IOException {
        importPtb();
        byte[] b = Files.readAllBytes(ptb().resolve("ptb.test.txt"));
        b[1] = (byte) 'X';
        Files.write(ptb().resolve("ptb.test.txt"), b);
        assertEquals(DatasetState.VERIFIED, state("ptb"), "list is a quick look by design");
        assertFalse(store().verify("ptb").ok());
        assertEquals(DatasetState.IMPORTED, state("ptb"), "a failed verify withdraws the verified state");
    }

    @Test
    void anExtraReviewShowsInListAndFailsVerify() throws IOException {
        Path imdb = Fixtures.writeImdbFiles(tmp.resolve("datasets/imdb"));
        assertTrue(store().verify("imdb").ok());
        Files.writeString(imdb.resolve("test/neg/99_1.txt"), "extra");
        DatasetStatus s = store().status("imdb");
        assertEquals(DatasetState.IMPORTED, s.state());
        assertTrue(s.detail().startsWith("test/neg holds 4 files, expected 3"), s.detail());
        VerifyReport r = store().verify("imdb");
        assertEquals(List.of("test/neg holds 4 files, expected 3"), r.results().get(0).problems().subList(0, 1));
        assertTrue(r.results().get(0).problems().get(1).startsWith("the files under train/pos, train/neg, test/pos, test/neg have tree SHA-256"));
    }

    @Test
    void aMissingFileMakesTheDatasetMissing() throws IOException {
        importPtb();
        Files.delete(ptb().resolve("ptb.train.txt"));
        DatasetStatus s = store().status("ptb");
        assertEquals(DatasetState.MISSING, s.state());
        assertTrue(s.detail().startsWith("lacks ptb.train.txt"), s.detail());
        UserInputException e = assertThrows(UserInputException.class, () -> store().verify("ptb"));
        assertTrue(e.getMessage().startsWith("dataset ptb is not imported (lacks ptb.train.txt"), e.getMessage());
    }

    @Test
    void aNewManifestChecksumWithdrawsTheVerifiedState() {
        importPtb();
        String yaml = Fixtures.manifestYaml("http://127.0.0.1:9/x.tgz")
                .replace(Fixtures.sha256(Fixtures.PTB.get("ptb.test.txt")), "0".repeat(64));
        DatasetStore newer = new DatasetStore(tmp, Manifest.parse(yaml, "newer"), Map.<String, String>of()::get, false);
        DatasetStatus s = newer.status("ptb");
        assertEquals(DatasetState.IMPORTED, s.state());
        assertTrue(s.detail().startsWith("the manifest changed since it was verified"), s.detail());
        assertFalse(newer.verify("ptb").ok());
    }
}
