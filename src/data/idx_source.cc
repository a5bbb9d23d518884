#include "data/idx_source.h"

#include <algorithm>

#include "util/error.h"

namespace seqtrain::data {

IdxDataSource::IdxDataSource(LabeledImages images, int steps, int inputs, int num_classes,
                             IdxFiles files, PixelOrder order)
    : images_(std::move(images)),
      steps_(steps),
      inputs_(inputs),
      num_classes_(num_classes),
      files_(std::move(files)),
      order_(std::move(order)) {
  CheckFitsSequences(images_, steps, inputs, files_.images_path);
  SEQ_CHECK(order_.empty() || static_cast<int64_t>(order_.size()) == images_.pixels_per_image());
  for (size_t i = 0; i < images_.labels.size(); ++i) {
    SEQ_CHECK(images_.labels[i] < num_classes);  // the loader checked the file's labels
  }
}

int IdxDataSource::Read(int64_t index, float* sequence, const TargetsOut& targets) const {
  SEQ_CHECK(index >= 0 && index < images_.count);
  // A batch of one is time-major and step-major alike.
  FillTimeMajor(images_, &index, 1, steps_, inputs_, sequence, targets.classes, Order());
  return steps_;
}

void IdxDataSource::Fill(const int64_t* indices, int batch, float* x, int32_t* lengths,
                         const TargetsOut& targets) const {
  FillTimeMajor(images_, indices, batch, steps_, inputs_, x, targets.classes, Order());
  std::fill_n(lengths, batch, steps_);
}

SetFacts IdxDataSource::Facts() const {
  SetFacts f;
  f.noun = "images";
  f.count = images_.count;
  f.shape[0] = images_.rows;
  f.shape[1] = images_.cols;
  f.files = {{files_.images_path, files_.report.images},
             {files_.labels_path, files_.report.labels}};
  return f;
}

std::unique_ptr<DataSource> OpenIdxDataSource(const OpenRequest& request) {
  const seqtrain::DataConfig& c = request.config;
  const bool train = request.split == Split::kTrain;
  IdxFiles files;
  files.images_path = PathUnder(c.dir(), train ? c.train_images() : c.test_images());
  files.labels_path = PathUnder(c.dir(), train ? c.train_labels() : c.test_labels());
  LoadOptions options;
  options.use_cache = c.cache();
  options.stop_requested = request.stop_requested;
  LabeledImages images = LoadLabeledImages(files.images_path, files.labels_path,
                                           request.num_classes, options, &files.report);
  if (!files.report.cache_problem.empty() && request.notes) {
    request.notes->push_back("seqtrain: note: no cache of the decoded images (" +
                             files.report.cache_problem + "): every start decompresses " +
                             files.images_path);
  }
  PixelOrder order =
      PixelOrderOf(c, images.rows, images.cols, request.steps, request.inputs, files.images_path);
  return std::make_unique<IdxDataSource>(std::move(images), request.steps, request.inputs,
                                         request.num_classes, std::move(files), std::move(order));
}

std::unique_ptr<DataSource> OpenIdxImages(const std::string& images_path, int64_t limit, int steps,
                                          int inputs, int num_classes,
                                          const seqtrain::DataConfig& config) {
  IdxFiles files;
  files.images_path = images_path;
  LabeledImages images = LoadImages(images_path, limit);
  PixelOrder order = PixelOrderOf(config, images.rows, images.cols, steps, inputs, images_path);
  return std::make_unique<IdxDataSource>(std::move(images), steps, inputs, num_classes,
                                         std::move(files), std::move(order));
}

}  // namespace seqtrain::data
